package customers

import "strconv"

// Every Redis key of this package is built here. Keys of one customer share the hash tag
// {c:<id>} so that the profile and its dedupe set live in one Redis Cluster slot and can be
// changed together by one Lua script.
//
//	rp:customers:<b> ZSET  bucket b (0 to 16383, bucketOf: FNV-1a of the id) of the index of
//	                       customer ids for paging: member = id, score 0, read with
//	                       ZRANGEBYLEX (index.go). Lifetime: permanent. Every write of a
//	                       profile adds its id (idempotent, so a crash between the two heals
//	                       on the next write); Delete removes it. It is a superset of the
//	                       profiles: see Store.Page.
//	rp:customers     ZSET  the legacy index of earlier versions, one set of every id; moved
//	                       into the buckets and deleted by Store.MigrateIndex.
//	rp:{c:<id>}      HASH  the profile, fields in codec.go (v, t, m, o, s, u, x). Lifetime:
//	                       permanent, until Delete.
//	rp:{c:<id>}:m    ZSET  the events already applied, for idempotency: member "m:<messageId>"
//	                       scored by the unix ms at which it is forgotten (now + DedupeTTL), or
//	                       "o:<order key>" scored +inf for orders, which are never counted
//	                       twice. Lifetime: the key expires when its last finite member does,
//	                       and is permanent while it holds an order; deleted by Delete.
//	                       Also "p:<member>", the triggers-pending marker of an event
//	                       (Store.ApplyTriggering), scored like a messageId; removed by
//	                       TriggersDone once the event's sends are enqueued.
//	rp:{c:<id>}:*    keys other packages keep per customer under the tag (delivery and
//	                       holdout records rp:{c:<id>}:d:*, reward grants rp:{c:<id>}:g:*);
//	                       Delete erases every key of the tag (erase.go).
//	rp:suppressed    HASH  keyed hashes of erased addresses (suppress.go).
//
// Why one dedupe set per customer rather than one key per messageId: erasing a customer is
// then one DEL of known keys instead of a SCAN of the whole key space, and memory is lower
// (measured on Redis 7.0 with UUID messageIds: a key with a TTL ~150 bytes, a member of the
// set ~52 bytes while it has at most 128 members and is a listpack, ~140 beyond).

const (
	keyPrefix      = "rp:"
	legacyIndexKey = keyPrefix + "customers"
)

// bucketKey is bucket b of the customer index.
func bucketKey(b int) string { return legacyIndexKey + ":" + strconv.Itoa(b) }

// HashTag returns the Redis Cluster hash tag of a customer, "{c:<id>}". Other packages that
// keep per-customer keys put it in their key names so those keys live in the customer's slot.
func HashTag(id string) string { return "{c:" + id + "}" }

// profileKey is the customer's profile hash.
func profileKey(id string) string { return keyPrefix + HashTag(id) }

// dedupeKey is the customer's set of applied events.
func dedupeKey(id string) string { return keyPrefix + HashTag(id) + ":m" }

// messageMember is the dedupe member of an event's messageId.
func messageMember(messageID string) string { return "m:" + messageID }

// orderMember is the dedupe member of an order, by its order id.
func orderMember(orderID string) string { return "o:" + orderID }

// pendingMember is the triggers-pending marker of an event whose dedupe member is member.
func pendingMember(member string) string { return "p:" + member }
