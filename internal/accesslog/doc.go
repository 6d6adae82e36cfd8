// Package accesslog is the granskningslogg: who did what to which records
// of a municipality, and when, kept so that a change, a removal or a
// reordering of any entry shows.
//
// Each tenant's entries form one hash chain on the subject
// earkiv.access.<tenant> of the stream EARKIV_ACCESS. Entry n (1, 2, …)
// carries prev, the hash of entry n-1 (all zeros for entry 1), and its own
// hash, tlog.RecordHash of its body: the entry's JSON without the hash
// field, fields in the order of Entry, as encoding/json writes them. The
// stored message is that body with ,"hash":"<base64>" before its closing
// brace, so the hash covers the stored bytes exactly and verifying needs
// no re-encoding.
//
// Appends are published with the expected last sequence of the tenant's
// subject, so two writers cannot fork a chain: the loser re-reads the head
// and tries again. Each tenant's head (n, hash, sequence) is kept in memory.
//
// A signed checkpoint (entry count, head hash, time; a sumdb note) is
// written to the tenant's bucket under Object Lock at least daily. Verify
// checks the chain and that every checkpoint still matches it, so even a
// log rewritten whole, with a new valid chain, differs from the
// checkpoints already locked.
package accesslog
