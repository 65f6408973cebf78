package decide

// InHoldout is the deterministic control-group draw: a hash of (campaign id, customer id)
// mapped to [0,1), compared with share. The same customer is in or out of a campaign's
// control group in preview, simulate and every worker, and across occurrences, so uplift
// reports compare the same people over time. Different campaigns draw independently.
//
// The hash is part of the contract with past reports: changing it reshuffles every control
// group. It is FNV-1a over "campaign\x00customer" (the NUL keeps ("a","bc") and ("ab","c")
// apart), finished with the murmur3 64-bit mixer because FNV alone leaves the high bits of
// similar short ids ("c-1", "c-2", ...) correlated.
func InHoldout(campaignID, customerID string, share float64) bool {
	if !(share > 0) { // also false for NaN
		return false
	}
	if share >= 1 {
		return true
	}
	return holdoutDraw(campaignID, customerID) < share
}

// controlGroupSalt takes the place of the campaign id in the global control group's draw. It
// holds characters that no campaign id may (ids are [a-z0-9-]+), so the global draw is
// independent of every campaign's own holdout draw. Like the hash, it is part of the contract
// with past reports: changing it reshuffles the global control group.
const controlGroupSalt = "*global control group*"

// InControlGroup is the global control group's draw (control_group in rapport.yaml): stable
// per customer, the same for every campaign, so that the group receives no marketing at all
// and measures what the whole programme adds.
func InControlGroup(customerID string, share float64) bool {
	return InHoldout(controlGroupSalt, customerID, share)
}

// holdoutDraw maps (campaign, customer) to a uniform number in [0,1).
func holdoutDraw(campaignID, customerID string) float64 {
	h := fnvAdd(fnvOffset, campaignID)
	h *= fnvPrime // the NUL separator: h ^= 0 changes nothing, the multiplication does
	h = fnvAdd(h, customerID)
	x := fmix64(h)
	// The top 53 bits fill a float64 mantissa exactly; the result is < 1.
	return float64(x>>11) / (1 << 53)
}

// FNV-1a 64-bit parameters, as in hash/fnv; written out to hash strings without allocating.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// fmix64 is murmur3's finaliser: every input bit affects every output bit.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9e62b5e8b5b
	k ^= k >> 33
	return k
}
