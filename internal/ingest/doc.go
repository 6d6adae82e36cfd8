// Package ingest turns a submitted package into an archival package: it
// takes an ingest request off the work queue, fetches the package, validates
// it, checks it belongs to the submitting municipality, stores every file and
// the AIP METS and PREMIS in the municipality's bucket under Object Lock,
// writes the manifest last, and answers with a receipt.
//
// Crash safety comes from three facts: the AIP id is derived from (tenant,
// package id), so a redo writes the same keys; an object already stored with
// the right SHA-256 is not stored again; and an AIP counts as existing only
// once its manifest is written, which happens after everything else.
//
// The files follow an ingest's stages: worker.go takes deliveries and
// settles them; job.go runs one attempt and issues its receipt; fetch.go
// reads the package from the package store (in memory, spooled or
// streamed); vouch.go and budget.go decide what validation may skip and
// when it may start; eager.go stores files while they are validated;
// archive.go builds the AIP, store.go stores its objects, replicate.go
// copies it to the replica; events.go and deadend.go tell the event log,
// the producer and operators.
package ingest
