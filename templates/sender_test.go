package templates

import (
	"reflect"
	"strings"
	"testing"
)

func TestSenderNameComesFromTheFromAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ from, want string }{
		{"Rapport Demo Shop <shop@example.com>", "Rapport Demo Shop"},
		{`"Shop, Inc." <shop@example.com>`, "Shop, Inc."},
		{"=?utf-8?q?Caf=C3=A9?= <cafe@example.com>", "Café"},
		{"shop@example.com", ""},
		{"not an address", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NewSender(tt.from, "").Name; got != tt.want {
			t.Errorf("NewSender(%q).Name = %q, want %q", tt.from, got, tt.want)
		}
	}
}

func TestSenderAddressLinesDropBlanks(t *testing.T) {
	t.Parallel()
	s := NewSender("", "Shop Ltd\r\n  1 Example Street  \n\n Springfield 00000\n")
	want := []string{"Shop Ltd", "1 Example Street", "Springfield 00000"}
	if got := s.AddressLines(); !reflect.DeepEqual(got, want) {
		t.Errorf("AddressLines = %q, want %q", got, want)
	}
	if got := NewSender("", " ").AddressLines(); got != nil {
		t.Errorf("blank address: lines %q", got)
	}
}

// A footer partial shared by every language shows the sender and the shop, the way the
// examples' _sender.html does.
func TestFooterShowsTheSenderAddressAndShopLink(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"_sender.html": `{{define "sender"}}{{with .Sender.AddressLines}}<p>{{range $i, $l := .}}{{if $i}} · {{end}}{{$l}}{{end}}</p>{{end}}{{end}}`,
		"hi.html":      `<p>Hi</p>{{with .Links.Shop}}<a href="{{.}}">shop</a>{{end}}{{template "sender" .}}`,
		"hi.fa.html":   `<p>سلام</p>{{template "sender" .}}`,
	})
	d := &Data{Sender: NewSender("Shop <s@example.com>", "Shop & Co\n1 Example Street"), Links: Links{Shop: "https://shop.example.com"}}
	for locale, want := range map[string]string{
		"en": `<p>Hi</p><a href="https://shop.example.com">shop</a><p>Shop &amp; Co · 1 Example Street</p>`,
		"fa": `<p>سلام</p><p>Shop &amp; Co · 1 Example Street</p>`,
	} {
		m, err := s.Render(emailVariant("s", "hi.html"), ChannelEmail, locale, nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(m.HTML); got != want {
			t.Errorf("%s: got %q, want %q", locale, got, want)
		}
	}
}
