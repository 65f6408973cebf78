package decide

import (
	"strings"
	"testing"
)

func TestSMSSegmentsCountWhatTheCarrierBills(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		segments   int
		encoding   string
	}{
		{"empty", "", 1, EncodingGSM7},
		{"160 GSM-7 characters fit one message", strings.Repeat("a", 160), 1, EncodingGSM7},
		{"161 make two parts of 153", strings.Repeat("a", 161), 2, EncodingGSM7},
		{"306 GSM-7 characters are two parts, 307 three", strings.Repeat("a", 307), 3, EncodingGSM7},
		{"the euro sign counts two septets", strings.Repeat("a", 159) + "€", 2, EncodingGSM7},
		{"Persian of 70 characters is one UCS-2 message", strings.Repeat("س", 70), 1, EncodingUCS2},
		{"Persian of 71 characters is two", strings.Repeat("س", 71), 2, EncodingUCS2},
		{"Russian is UCS-2", "Привет, Мария! Ваш подарок ждёт вас.", 1, EncodingUCS2},
		{"Chinese is UCS-2", strings.Repeat("杨", 135), 3, EncodingUCS2},
		{"one emoji makes a Latin text UCS-2", strings.Repeat("a", 69) + "🎉", 2, EncodingUCS2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, enc := SMSSegments(tc.text)
			if n != tc.segments || enc != tc.encoding {
				t.Errorf("SMSSegments = %d %s, want %d %s", n, enc, tc.segments, tc.encoding)
			}
		})
	}
}
