package rewards

// The keys of the coupon ledger, the campaign budgets, the reward statistics and the points
// balances. (The budget of one reward is budgetKey in rewards.go, a grant's expiry grantKey in
// expiry.go.) Keys of one customer carry the customer's hash tag {c:ID}, written out here as
// in expiry.go; the others are aggregates that name no one, or one coupon each.

// couponKey holds one coupon code, written once when its grant is given (HASH):
//
//	owner, campaign, reward, occurrence   who it was granted to, for what
//	value                                 the coupon's value as written ("10%", "5", "5 EUR")
//	max                                   max_value of a percentage coupon ("" none)
//	currency                              the coupon's currency ("" the order's)
//	min                                   min_order ("" none), in the coupon's currency
//	expires                               Unix seconds, 0 never
//	granted                               Unix seconds of the first grant
//	redeemed, order, total                once redeemed: Unix seconds, the order id, its total
//
// Lifetime: until the expiry plus couponGrace, so that a late try is told "expired" rather
// than "unknown"; none for a coupon that never expires. Deleted when its grant is refunded
// (the message was not sent), erased with its owner (EraseCustomer, by couponIndexKey).
func couponKey(code string) string { return "rp:{cp:" + code + "}" }

// couponIndexKey lists the codes granted to one customer (SET), so that an erasure finds the
// coupon hashes, which live in their code's slot. Lifetime: the customer's (erased with
// every key of the tag).
func couponIndexKey(customer string) string { return "rp:{c:" + customer + "}:cp" }

// refusedKey keeps the last refusedKeep refused redemptions, newest first (LIST of JSON
// Refusal), for the operator and the console. No expiry; bounded by LTRIM. It names
// customer ids (not addresses) and is trimmed, not erased per customer.
const refusedKey = "rp:coupons:refused"

const refusedKeep = 1000

// campaignBudgetKey holds the budget of a campaign across its rewards (HASH, no expiry):
// "n" grants so far, "amount" face value so far, "g:CUSTOMER\x00OCCURRENCE" the value of
// one grant (one reward per delivery), so a retried grant is recognised and a refund exact.
// Bounded by the budget's count. It matches EraseCustomer's pattern rp:{rw:*}:budget, so an
// erasure removes the customer's grant fields from it too.
func campaignBudgetKey(campaign string) string { return "rp:{rw:" + campaign + "}:budget" }

// statsKey holds the reward statistics of a campaign (HASH, no expiry; fields per reward,
// a few per reward and currency):
//
//	sent:REWARD                   messages sent carrying the reward (Delivered)
//	redeemed:REWARD               coupons redeemed by an order
//	discount:REWARD:CURRENCY      what those coupons took off, per order currency ("" unknown)
//	refused:REASON                redemptions refused, by reason
func statsKey(campaign string) string { return "rp:{rw:" + campaign + "}:stats" }

// pointsKey holds a customer's points balance (STRING, an integer; no expiry: it is owed to
// the customer), pointsLogKey their last pointsKeep entries, newest first (LIST of JSON
// PointsEntry, trimmed). Both are erased with the customer's tag.
func pointsKey(customer string) string    { return "rp:{c:" + customer + "}:pts" }
func pointsLogKey(customer string) string { return "rp:{c:" + customer + "}:pts:log" }

const pointsKeep = 50
