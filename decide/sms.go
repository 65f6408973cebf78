package decide

import "unicode/utf8"

// SMS encodings (3GPP TS 23.038).
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// gsm7Basic is the GSM 03.38 default alphabet: one septet each.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension is the default alphabet's extension table: an escape and a septet, two each.
const gsm7Extension = "^{}\\[~]|€\f"

// gsm7 maps each character of the GSM 7-bit alphabet to its cost in septets; built once from
// the constants above (read-only after init).
var gsm7 = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// SMSSegments says how many messages a text is sent as, which is what an SMS costs: GSM-7
// holds 160 septets in one message and 153 a part when concatenated; any character outside
// GSM-7 (Cyrillic, Persian, Chinese, a single emoji) makes the whole text UCS-2, 70 characters
// in one message and 67 a part. UCS-2 counts UTF-16 code units, so a character outside the
// Basic Multilingual Plane (most emoji) counts two. An empty text is one message.
func SMSSegments(text string) (segments int, encoding string) {
	septets, gsm := 0, true
	for _, r := range text {
		n, ok := gsm7[r]
		if !ok {
			gsm = false
			break
		}
		septets += n
	}
	if gsm {
		return parts(septets, 160, 153), EncodingGSM7
	}
	units := 0
	for _, r := range text {
		if r == utf8.RuneError || r < 0x10000 {
			units++
		} else {
			units += 2
		}
	}
	return parts(units, 70, 67), EncodingUCS2
}

func parts(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}
