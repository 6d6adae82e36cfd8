// Package earkiv holds the records of the archive's own domain: the request
// that asks for an ingest, the receipt (kvittens) that answers it, the file
// sum both carry, and the event that records each change. The queue, the
// store, the catalog and the API all speak in these types; this package
// imports none of them, so a reader of the archive never needs NATS or S3
// to name what it reads.
package earkiv
