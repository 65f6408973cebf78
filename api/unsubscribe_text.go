package api

import "strings"

// pageText is the wording of the unsubscribe and preferences page in one language.
type pageText struct {
	Lang, Dir   string
	Title       string
	Intro       string
	Email, SMS  string // followed by the masked address
	Unsubscribe string
	Pause       string
	Done        string
	Paused      string // followed by the date the pause ends
	Invalid     string
}

// pageTexts are the page's languages: those of the example campaigns. A customer whose
// language is not here reads English.
var pageTexts = map[string]*pageText{
	"en": {Lang: "en", Dir: "ltr", Title: "Your message preferences",
		Intro: "Choose the messages you no longer want to receive:",
		Email: "Email to", SMS: "Text messages (SMS) to",
		Unsubscribe: "Unsubscribe", Pause: "Pause for 30 days",
		Done: "Done: you will not receive these messages any more.", Paused: "Done: we will not send you these messages until",
		Invalid: "This link is not valid."},
	"de": {Lang: "de", Dir: "ltr", Title: "Ihre Nachrichteneinstellungen",
		Intro: "Wählen Sie, welche Nachrichten Sie nicht mehr erhalten möchten:",
		Email: "E-Mail an", SMS: "SMS an",
		Unsubscribe: "Abmelden", Pause: "30 Tage pausieren",
		Done: "Erledigt: Sie erhalten diese Nachrichten nicht mehr.", Paused: "Erledigt: Wir senden Ihnen diese Nachrichten nicht vor dem",
		Invalid: "Dieser Link ist nicht gültig."},
	"ru": {Lang: "ru", Dir: "ltr", Title: "Настройки рассылок",
		Intro: "Выберите, какие сообщения вы больше не хотите получать:",
		Email: "Письма на адрес", SMS: "SMS на номер",
		Unsubscribe: "Отписаться", Pause: "Приостановить на 30 дней",
		Done: "Готово: вы больше не будете получать эти сообщения.", Paused: "Готово: мы не будем присылать вам эти сообщения до",
		Invalid: "Эта ссылка недействительна."},
	"fa": {Lang: "fa", Dir: "rtl", Title: "تنظیمات پیام‌های شما",
		Intro: "پیام‌هایی را که دیگر نمی‌خواهید دریافت کنید انتخاب کنید:",
		Email: "ایمیل به", SMS: "پیامک به",
		Unsubscribe: "لغو اشتراک", Pause: "توقف به مدت ۳۰ روز",
		Done: "انجام شد: دیگر این پیام‌ها را دریافت نخواهید کرد.", Paused: "انجام شد: تا این تاریخ این پیام‌ها را برایتان نمی‌فرستیم:",
		Invalid: "این پیوند معتبر نیست."},
	"zh": {Lang: "zh", Dir: "ltr", Title: "您的消息偏好设置",
		Intro: "请选择您不想再收到的消息：",
		Email: "发送至以下邮箱的邮件：", SMS: "发送至以下号码的短信：",
		Unsubscribe: "退订", Pause: "暂停 30 天",
		Done: "已完成：您将不再收到这些消息。", Paused: "已完成：在以下日期之前我们不会再发送这些消息：",
		Invalid: "此链接无效。"},
	"ja": {Lang: "ja", Dir: "ltr", Title: "メッセージの受信設定",
		Intro: "今後受け取りたくないメッセージを選んでください：",
		Email: "メール（宛先）：", SMS: "SMS（宛先）：",
		Unsubscribe: "配信を停止する", Pause: "30日間停止する",
		Done: "完了しました。今後これらのメッセージは届きません。", Paused: "完了しました。次の日付まで、これらのメッセージはお送りしません：",
		Invalid: "このリンクは無効です。"},
}

// textFor returns the page's wording for a BCP 47 locale, by its language ("ru-RU" → ru).
func textFor(locale string) *pageText {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	lang, _, _ = strings.Cut(lang, "_")
	if t, ok := pageTexts[lang]; ok {
		return t
	}
	return pageTexts["en"]
}
