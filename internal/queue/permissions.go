package queue

import "github.com/nats-io/nats-server/v2/server"

// ProducerPermissions lets a case system submit packages for tenant and read
// that tenant's receipts, and nothing else: no other tenant's subjects, object
// stores, receipts or reply inboxes, no stream management, and no
// $JS.API.INFO, whose counts are the whole account's (every municipality's);
// the client needs it only to create buckets, which producers do not.
func ProducerPermissions(tenant string) *server.Permissions {
	obj, kv := PackageStoreStream(tenant), "KV_"+ReceiptBucket(tenant)
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			IngestSubject(tenant),
			"$O." + PackageStore(tenant) + ".>",
			"$JS.API.STREAM.INFO." + obj,
			"$JS.API.STREAM.INFO." + kv,
			"$JS.API.STREAM.MSG.GET." + obj,
			"$JS.API.STREAM.MSG.GET." + kv,
			"$JS.API.DIRECT.GET." + obj + ".>",
			"$JS.API.DIRECT.GET." + kv + ".>",
			"$JS.API.DIRECT.GET." + obj,
			"$JS.API.DIRECT.GET." + kv,
			"$JS.API.STREAM.PURGE." + obj,
			"$JS.API.CONSUMER.CREATE." + kv + ".>",
			"$JS.API.CONSUMER.CREATE." + kv,
			"$JS.API.CONSUMER.DELETE." + kv + ".>",
			"$JS.API.CONSUMER.INFO." + kv + ".>",
			"$JS.FC." + kv + ".>",
			"$JS.ACK." + kv + ".>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{InboxPrefix(tenant) + ".>"}},
	}
}
