// Package disposal carries out gallring the way a municipality must be
// able to defend it: an arkivarie proposes a list of due records, which is
// frozen (written as an object with its checksum) so no later change of
// plan or records changes it; records may be excluded before attest; an
// arkivansvarig who is not the proposer attests it; execution waits for
// the tenant's ångerfrist; the executor re-checks every record at the
// moment of deletion, deletes every version of its objects in the primary
// and the replica with the disposal credential, leaves a tombstone and a
// PREMIS deletion event, and the list ends in a gallringsprotokoll that is
// itself archived.
//
// State lives in the tenant's retention bucket (revision-checked updates)
// and in the event log; the frozen list, tombstones and the protocol are
// objects in the tenant's bucket.
package disposal
