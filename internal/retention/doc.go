// Package retention makes the informationshanteringsplan govern every
// record: at ingest each case and document gets its outcome under the plan
// in force and every object its Object Lock from it; a fastställd plan is
// archived as an AIP and re-evaluates the records already archived; and
// gallringsstopp put S3 Legal Hold on what they cover.
//
// Locks: an object of a record to be gallrad is locked until its disposal
// date (in the tenant's mode, GOVERNANCE unless set), so the store refuses
// deletion before that day. An object of a record to be kept (bevaras) is
// locked until earkiv.KeepUntil, so no credential without governance
// bypass can delete it, and no one in COMPLIANCE mode. The AIP's own
// metadata and files no document links follow the longest-lived record.
// Legal holds are only ever gallringsstopp.
package retention
