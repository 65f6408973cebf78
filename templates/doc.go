// Package templates renders emails and SMS in the customer's language.
//
// # Files
//
// Load walks a directory once: *.html and *.htm files are parsed with html/template, *.txt,
// *.text and *.sms files with text/template; other files are ignored. A file whose name starts
// with "_" (thank-you/_footer.html) is a partial: it defines named blocks ({{define "footer"}})
// that every file of the same kind can call ({{template "footer" .}}), and it cannot be named
// by a campaign. Every file that fails to parse is reported, each as file:line[:col]: message,
// so a marketer fixes them all in one round.
//
// # Locales
//
// A campaign names the default file (thank-you/gold.html). For a customer whose locale is
// ru-RU, Render looks for thank-you/gold.ru-RU.html, then thank-you/gold.ru.html, then the
// default. The locale is parsed as BCP 47 and matched case-insensitively, so ru_ru and RU-ru
// find gold.ru-RU.html too; a locale with a script tries it as well (zh-Hant-TW tries
// zh-Hant-TW, zh-Hant, zh-TW, zh, and zh-TW alone also tries zh-Hant).
//
// Subjects and SMS texts written inline in the campaign YAML cannot be localised by file name.
// Instead, the localised template file may carry them: an HTML (or text) email file that
// defines {{define "subject"}}...{{end}} overrides the inline subject, and one that defines
// {{define "sms"}}...{{end}} overrides the variant's inline SMS text, for the locale that file
// serves. These blocks are executed as plain text (no HTML escaping), and the subject is
// folded onto one line. An SMS may also live in its own file (sms: {file: promo/gold.sms}),
// which is looked up by locale like any other.
//
// # What templates see
//
// The dot is a *Data: .Customer (profile, purchase summary, .Traits, .Predicted), .Event (the
// triggering event's properties, nil for scheduled campaigns), .Reward (nil when none: guard it
// with {{with .Reward}}), .Campaign, .Links (.Unsubscribe, .ViewOnline, and .Shop: shop_url,
// empty when not configured), .Sender (.Name from email.from, .Address from
// email.sender_address and .AddressLines: marketing email shows it in its footer) and .Now. A missing map key renders as nothing,
// never as "<no value>": {{.Customer.Traits.nope}} is empty. A field of a missing object is
// an error, though ({{.Customer.Traits.address.city}} for a customer without an address):
// write {{trait "address.city"}}, which is empty when any step is missing.
//
// HTML templates escape every value by context, so a trait holding <script> arrives as text.
//
// # Functions
//
// The same names exist in HTML and text templates:
//
//	default "friend" .Customer.FirstName   the value, or the fallback when it is empty
//	title, upper, lower                    case mapping by the locale's rules (title lowers the rest)
//	trait "tier"                           a trait by name ("address.country" walks nested maps)
//	date .Customer.LastOrderAt "long"      short | long | full | monthday, or a Go layout
//	time .Reward.ExpiresAt                 HH:MM
//	number 1234.5 [decimals]               grouped by the locale: 1,234.5 / 1.234,5 / 1 234,5
//	money 1234.5 "EUR"                     €1,234.50 / 1.234,50 € / 1 234,50 €
//	percent 0.15                           15% / 15 % / ۱۵٪
//	amount .Reward.Value [currency]        a reward value ("10%", "88 CNY", "200"): 10 %, ¥88, ۲۰۰
//	fullName .Customer.FirstName .Customer.LastName   in the locale's order: Anna Sample, 杨芳, Nagy Anna
//	safeURL .Links.ViewOnline              marks a URL safe; only http, https, mailto, tel, sms
//
// date and time convert to the customer's time zone; a date-only string ("2024-05-01") is a
// calendar day and is not converted. Month and weekday names and the day/month order follow
// the locale for en, de, es, fr, it, nl, pt, ru, fa, zh and ja; other languages use English.
// Persian uses the Solar Hijri calendar and Persian digits. Numbers, percentages and money use
// the CLDR separators, digits and symbols of golang.org/x/text, with the language's digits for
// a regional locale (fa-IR writes ۱۵٪ as fa does); where the currency symbol goes comes from a
// small table in numbers.go. Write a reward's value with amount, never as {{.Value}}: "88 CNY"
// is how a campaign is configured, not how a Chinese customer reads a price.
//
// fullName, and DisplayName for the To: header, write the family name first for zh, ja, ko,
// hu and vi, and for any name in Han, kana or Hangul, without a space between CJK parts.
//
// Functions fail on what only a template author can get wrong (a wrong number of arguments,
// an unknown date style), so Check catches it at lint time. On what the data gets wrong (an
// unparsable date in an event property, a missing amount) they render the value as given, or
// nothing, rather than failing a send.
package templates
