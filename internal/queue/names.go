// Package queue is earkiv's use of NATS JetStream: the connection and its
// handles, the streams' set-up, the embedded server and its per-tenant
// permissions, the ingest work queue, receipts, the event log and dead
// letters. What a package store holds is read and written by pkgstore.
//
// Everything a producer may touch carries its tenant id in the name, so one
// permission list per tenant keeps municipalities apart:
//
//	earkiv.ingest.<tenant>          ingest requests (stream EARKIV_INGEST, work queue)
//	object store sip-<tenant>       submitted packages, chunked
//	KV receipts-<tenant>            receipts (kvittenser), by submission and package id
//	KV people-<tenant>              people and their roles (no producer may reach it)
//	earkiv.events.<tenant>.<type>   every state change (stream EARKIV_EVENTS)
//	earkiv.dead.<tenant>            requests that failed every delivery (stream EARKIV_DEAD)
//	earkiv.access.<tenant>          the access log (granskningslogg; stream EARKIV_ACCESS)
//	_INBOX_<tenant>.>               the producer's reply subjects
package queue

import (
	"encoding/base64"

	"github.com/earkiv/earkiv/internal/earkiv"
)

const (
	StreamIngest = "EARKIV_INGEST"
	StreamEvents = "EARKIV_EVENTS"
	StreamDead   = "EARKIV_DEAD"
	// StreamAccess holds every tenant's access log. No producer may touch
	// it, not even its own tenant's subject: the log is read only through
	// earkiv's commands acting for the tenant.
	StreamAccess = "EARKIV_ACCESS"
	// Consumer is the durable pull consumer all workers share.
	Consumer = "ingest-workers"
)

// IngestSubject is where tenant's ingest requests go.
func IngestSubject(tenant string) string { return "earkiv.ingest." + tenant }

// EventSubject is the subject of a tenant's event of a type.
func EventSubject(tenant string, typ earkiv.EventType) string {
	return "earkiv.events." + tenant + "." + string(typ)
}

// DeadSubject holds a tenant's dead-letter records.
func DeadSubject(tenant string) string { return "earkiv.dead." + tenant }

// AccessSubject holds tenant's access log entries, one chain per subject.
func AccessSubject(tenant string) string { return "earkiv.access." + tenant }

// PackageStore is the object store bucket of tenant's submitted packages.
func PackageStore(tenant string) string { return "sip-" + tenant }

// PackageStoreStream is the stream that holds the package store's chunks.
func PackageStoreStream(tenant string) string { return "OBJ_" + PackageStore(tenant) }

// PackageChunks is the subject of the chunks of the object with nuid in
// tenant's package store.
func PackageChunks(tenant, nuid string) string { return "$O." + PackageStore(tenant) + ".C." + nuid }

// ReceiptBucket is the KV bucket of tenant's receipts.
func ReceiptBucket(tenant string) string { return "receipts-" + tenant }

// PeopleBucket is the KV bucket of tenant's people (archivists, their
// roles and password hashes). It is the system of record for who may act;
// no producer has any permission on it, not even its own tenant's.
func PeopleBucket(tenant string) string { return "people-" + tenant }

// RetentionBucket is the KV bucket of tenant's plan versions and holds.
func RetentionBucket(tenant string) string { return "retention-" + tenant }

// InboxPrefix is tenant's private reply-subject prefix. The NATS default
// (_INBOX) would let any producer subscribe to every other producer's replies.
func InboxPrefix(tenant string) string { return "_INBOX_" + tenant }

func base64URL(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
