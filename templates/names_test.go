package templates

import (
	"strings"
	"testing"
)

func TestDisplayNameFollowsTheLocalesNameOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		first, last, locale, want string
	}{
		{"Anna", "Sample", "en", "Anna Sample"},
		{"Анна", "Иванова", "ru-RU", "Анна Иванова"},
		{"مریم", "احمدی", "fa-IR", "مریم احمدی"},
		{"芳", "杨", "zh-CN", "杨芳"},
		{"芳", "杨", "zh", "杨芳"},
		{"太郎", "山田", "ja", "山田太郎"},
		{"민준", "김", "ko-KR", "김민준"},
		{"Anna", "Nagy", "hu", "Nagy Anna"},
		{"An", "Nguyễn Văn", "vi-VN", "Nguyễn Văn An"},
		// A name in Han, kana or Hangul keeps its own order whatever the locale, as CLDR
		// infers the name's locale from its script.
		{"芳", "杨", "en", "杨芳"},
		{"芳", "杨", "", "杨芳"},
		{"Taro", "Yamada", "ja-JP", "Yamada Taro"},
		// Either part may be missing.
		{"芳", "", "zh", "芳"},
		{"", "杨", "zh", "杨"},
		{" Anna ", " ", "en", "Anna"},
		{"", "", "en", ""},
	}
	for _, tt := range tests {
		if got := DisplayName(tt.first, tt.last, tt.locale); got != tt.want {
			t.Errorf("DisplayName(%q, %q, %q) = %q, want %q", tt.first, tt.last, tt.locale, got, tt.want)
		}
	}
}

func TestFullNameInTemplatesIsTheDisplayName(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{"hi.html": `<p>{{fullName .Customer.FirstName .Customer.LastName}}</p>`})
	tests := []struct{ first, last, locale, want string }{
		{"芳", "杨", "zh-CN", "<p>杨芳</p>"},
		{"Anna", "Nagy", "hu-HU", "<p>Nagy Anna</p>"},
		{"Anna", "Sample", "en", "<p>Anna Sample</p>"},
		{"", "", "en", "<p></p>"},
	}
	for _, tt := range tests {
		d := &Data{Customer: CustomerData{FirstName: tt.first, LastName: tt.last}}
		m, err := s.Render(emailVariant("s", "hi.html"), ChannelEmail, tt.locale, nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(m.HTML); got != tt.want {
			t.Errorf("%s %s in %s: got %q, want %q", tt.first, tt.last, tt.locale, got, tt.want)
		}
	}
}
