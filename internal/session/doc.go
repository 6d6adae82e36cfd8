// Package session keeps the browser sessions and personal API tokens of
// the people of every tenant, in two NATS JetStream KV buckets (see
// queue.SessionsBucket and queue.TokensBucket), so any node of an archive
// can serve a person who logged in on another, and a logout, a revocation
// or a disabled person takes effect on every node at once.
//
// What is stored, per session or token, is who it is for (tenant, person,
// name, roles), how the session was opened (lösenord or oidc, the client),
// when it was made and last used, a token's expiry, and the SHA-256 of its
// secret. The secret itself is never stored: it is 256 bits from
// crypto/rand, so its hash cannot be reversed or guessed, and the KV key
// is made from the hash too, so whoever reads the buckets cannot log in.
//
// The secrets name their record, so a lookup is one KV read (or none, from
// the cache):
//
//	session cookie  <tenant>.<person tag>.<43 characters base64url>
//	API token       ekt_<tenant>_<id>_<43 characters base64url>
//	KV key          <tenant>.<person tag>.<id>
//
// The person tag is 8 characters of base32 of the SHA-256 of the person's
// id, so a person's entries are listed by one filter without the id
// itself in a cookie or token. The id is the person tag and 16 characters
// of the hash of the secret: a session's is shown so a person can end it,
// a token's is in the token, so a person can match a token to its entry,
// and a mangled token is refused before any read. A record whose tenant
// or person tag differs from what the secret names is refused.
//
// Sessions end after Policy.Idle without use and Policy.Absolute after
// they began, whatever the cache holds; tokens on their expiry, at most
// Policy.TokenMax after they were made. Each node keeps a bounded cache of
// what it read, kept right by Store.Run's watch of both buckets.
package session
