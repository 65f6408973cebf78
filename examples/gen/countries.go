package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// country describes how customers of one country look: how many there are, where they live,
// their language, what they are called, how their phone numbers are written and what they pay in.
type country struct {
	Code   string
	Count  int
	Zones  []zone
	Locale string
	Money  currency
	Names  names
	Phone  func(r *rand.Rand, seq int, zone string) (e164, national string)
}

// zone is an IANA time zone and its share of the country's customers.
type zone struct {
	Name   string
	Weight int
}

// currency is what a country pays in. PerUSD converts the generator's dollar prices (rounded,
// as shops price); Decimals is 0 for currencies priced in whole units.
type currency struct {
	Code     string
	PerUSD   float64
	Decimals int
}

// names are first names by sex and last names; feminine turns a last name into its feminine
// form where the language has one (Russian).
type names struct {
	Female, Male, Last []string
	Feminine           func(last string) string
	// DoubleLast: Spanish customers carry both family names (García López).
	DoubleLast bool
}

// countries: the six languages of the example templates, plus a few English-speaking customers
// elsewhere. Iranian customers pay in US dollars: rial totals run to millions and would make the
// examples hard to read.
var countries = []country{
	{
		Code: "RU", Count: 230, Locale: "ru-RU",
		Zones: []zone{{"Europe/Moscow", 80}, {"Asia/Yekaterinburg", 12}, {"Asia/Novosibirsk", 8}},
		Money: currency{"RUB", 90, 0},
		Names: names{
			Female: strings.Fields("Анна Мария Елена Ольга Наталья Екатерина Татьяна Ирина Светлана Юлия Дарья Ксения Алина Виктория Полина София Анастасия Марина Вера Людмила"),
			Male:   strings.Fields("Александр Дмитрий Сергей Андрей Алексей Максим Иван Михаил Николай Артём Евгений Павел Владимир Кирилл Олег Роман Игорь Никита Денис Константин"),
			Last: strings.Fields("Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков " +
				"Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров " +
				"Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Белов Медведев Тарасов Жуков Комаров Крылов " +
				"Покровский Вишневский Гончаров Ершов Виноградов Суворов"),
			Feminine: russianFeminine,
		},
		Phone: func(r *rand.Rand, _ int, zone string) (string, string) {
			codes := map[string][]string{ // mobile codes first issued in each region
				"Europe/Moscow":      {"903", "905", "909", "915", "916", "917", "925", "926", "977", "985"},
				"Asia/Yekaterinburg": {"912", "922", "950"},
				"Asia/Novosibirsk":   {"913", "923", "983"},
			}[zone]
			code := pick(r, codes)
			n := fmt.Sprintf("%07d", r.IntN(10_000_000))
			return "+7" + code + n, fmt.Sprintf("8 (%s) %s-%s-%s", code, n[:3], n[3:5], n[5:])
		},
	},
	{
		Code: "IR", Count: 170, Locale: "fa-IR",
		Zones: []zone{{"Asia/Tehran", 1}},
		Money: currency{"USD", 1, 2},
		Names: names{
			Female: strings.Fields("مریم زهرا فاطمه سارا نازنین نگار الهام شیرین مهسا پریسا لیلا نرگس سمیرا آزاده هستی ریحانه مینا یاسمن ترانه شیوا"),
			Male:   strings.Fields("علی محمد حسین رضا امیر مهدی حمید سعید بهرام کامران آرش بابک داریوش فرهاد مجید پویا سینا نیما کیان پارسا"),
			Last: strings.Fields("احمدی محمدی حسینی رضایی کریمی موسوی جعفری صادقی رحیمی قاسمی مرادی حیدری کاظمی نوری عباسی " +
				"رستمی اکبری تهرانی شریفی زارعی یوسفی امینی نجفی سلطانی طاهری فراهانی ملکی بهرامی کرمانی شیرازی " +
				"اصفهانی نظری هاشمی میرزایی خسروی وحیدی دهقان فرهادی"),
		},
		Phone: func(r *rand.Rand, _ int, _ string) (string, string) {
			code := pick(r, []string{"912", "919", "935", "936", "901", "902", "921", "990"})
			n := fmt.Sprintf("%07d", r.IntN(10_000_000))
			return "+98" + code + n, fmt.Sprintf("0%s %s %s", code, n[:3], n[3:])
		},
	},
	{
		Code: "CN", Count: 200, Locale: "zh-CN",
		Zones: []zone{{"Asia/Shanghai", 1}},
		Money: currency{"CNY", 7, 0},
		Names: names{
			Female: strings.Fields("芳 娜 敏 静 丽 婷 雪 慧 颖 琳 欣怡 梓涵 诗琪 雨桐 佳怡 思雨 晓燕 秀英 玉兰 海燕"),
			Male:   strings.Fields("伟 强 磊 军 洋 勇 杰 涛 明 超 浩然 子轩 宇航 俊杰 志强 建华 晓东 文博 天宇 家豪"),
			Last: strings.Fields("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 " +
				"彭 曾 肖 田 董 袁 潘 于 蒋 蔡 欧阳"),
		},
		Phone: func(r *rand.Rand, _ int, _ string) (string, string) {
			code := pick(r, []string{"130", "131", "135", "136", "138", "139", "158", "159", "177", "186", "188"})
			n := fmt.Sprintf("%08d", r.IntN(100_000_000))
			return "+86" + code + n, fmt.Sprintf("%s %s %s", code, n[:4], n[4:])
		},
	},
	{
		Code: "DE", Count: 200, Locale: "de-DE",
		Zones: []zone{{"Europe/Berlin", 1}},
		Money: currency{"EUR", 1, 2},
		Names: names{
			Female: strings.Fields("Anna Laura Julia Lea Sarah Lena Katharina Sophie Hannah Marie Lisa Johanna Clara Emma Mia Sabine Petra Claudia Andrea Ute"),
			Male:   strings.Fields("Lukas Jonas Leon Felix Maximilian Paul Tim Jan Niklas Moritz Thomas Michael Stefan Andreas Markus Jürgen Klaus Tobias Florian Sebastian"),
			Last: strings.Fields("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer " +
				"Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner " +
				"Schmitz Krause Meier Lehmann Köhler Herrmann König Walter Huber Kaiser Fuchs Peters Scholz Möller Weiß Jung Hahn Vogel"),
		},
		Phone: func(r *rand.Rand, _ int, _ string) (string, string) {
			code := pick(r, []string{"151", "152", "157", "159", "160", "170", "171", "172", "176", "177", "178", "179"})
			n := fmt.Sprintf("%08d", r.IntN(100_000_000))
			return "+49" + code + n, fmt.Sprintf("0%s %s", code, n)
		},
	},
	{
		Code: "ES", Count: 170, Locale: "es-ES",
		Zones: []zone{{"Europe/Madrid", 1}},
		Money: currency{"EUR", 1, 2},
		Names: names{
			Female: strings.Fields("María Lucía Carmen Laura Marta Paula Sara Ana Elena Cristina Sofía Julia Alba Irene Raquel Nuria Pilar Rocío Inés Beatriz"),
			Male:   strings.Fields("Antonio José Manuel Francisco David Javier Daniel Carlos Jesús Alejandro Miguel Pablo Sergio Álvaro Jorge Adrián Diego Rubén Iván Hugo"),
			Last: strings.Fields("García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz " +
				"Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil " +
				"Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Iglesias"),
			DoubleLast: true,
		},
		Phone: func(r *rand.Rand, _ int, _ string) (string, string) {
			n := fmt.Sprintf("6%08d", r.IntN(100_000_000))
			return "+34" + n, fmt.Sprintf("%s %s %s", n[:3], n[3:6], n[6:])
		},
	},
	{
		Code: "US", Count: 220, Locale: "en-US",
		Zones: []zone{{"America/New_York", 60}, {"America/Los_Angeles", 40}},
		Money: currency{"USD", 1, 2},
		Names: englishNames,
		// 555-0100 to 555-0199 are set aside for fiction in every area code: no real subscriber.
		Phone: func(r *rand.Rand, seq int, zone string) (string, string) {
			codes := map[string][]string{
				"America/New_York":    {"212", "646", "917", "718", "347", "929"},
				"America/Los_Angeles": {"213", "310", "323", "424", "818", "626"},
			}[zone]
			code := codes[seq%6]
			n := fmt.Sprintf("555%04d", 100+(seq/6)%100)
			return "+1" + code + n, fmt.Sprintf("(%s) %s-%s", code, n[:3], n[3:])
		},
	},
	{
		Code: "GB", Count: 30, Locale: "en-GB",
		Zones: []zone{{"Europe/London", 1}},
		Money: currency{"GBP", 0.8, 2},
		Names: englishNames,
		// Ofcom's drama range (07700 900xxx) is not a valid number for libphonenumber, so the
		// demo could not text it; these are in the range of libphonenumber's own example number.
		Phone: func(r *rand.Rand, seq int, _ string) (string, string) {
			n := fmt.Sprintf("74001%05d", 10000+seq%90000)
			return "+44" + n, fmt.Sprintf("0%s %s", n[:4], n[4:])
		},
	},
	{
		Code: "JP", Count: 20, Locale: "en",
		Zones: []zone{{"Asia/Tokyo", 1}},
		Money: currency{"JPY", 150, 0},
		Names: names{
			Female: strings.Fields("Yui Haruka Aoi Sakura Yuki Mei Rin Hina Misaki Nanami"),
			Male:   strings.Fields("Haruto Sota Ren Yuto Kenji Takumi Daiki Hiroshi Kaito Sho"),
			Last:   strings.Fields("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki Matsumoto Inoue"),
		},
		Phone: func(r *rand.Rand, _ int, _ string) (string, string) {
			code := pick(r, []string{"70", "80", "90"})
			n := fmt.Sprintf("%08d", 10_000_000+r.IntN(90_000_000)) // 0800… would be toll-free
			return "+81" + code + n, fmt.Sprintf("0%s-%s-%s", code, n[:4], n[4:])
		},
	},
	{
		Code: "AU", Count: 20, Locale: "en-AU",
		Zones: []zone{{"Australia/Sydney", 70}, {"Australia/Perth", 30}},
		Money: currency{"AUD", 1.5, 2},
		Names: englishNames,
		Phone: func(r *rand.Rand, seq int, _ string) (string, string) {
			n := fmt.Sprintf("491570%03d", 100+seq%900)
			return "+61" + n, fmt.Sprintf("0%s %s %s", n[:3], n[3:6], n[6:])
		},
	},
}

var englishNames = names{
	Female: strings.Fields("Emily Olivia Emma Sophia Ava Isabella Mia Abigail Madison Charlotte Harper Grace Chloe Hannah " +
		"Jessica Sarah Ashley Megan Rachel Lauren Maria Aaliyah Priya Camila Zoe"),
	Male: strings.Fields("James John Robert Michael William David Richard Joseph Thomas Daniel Matthew Andrew Ethan Noah " +
		"Liam Benjamin Jacob Ryan Tyler Kevin Carlos Jamal Raj Marcus Owen"),
	Last: strings.Fields("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor " +
		"Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright " +
		"Scott Nguyen Hill Green Adams Baker Nelson Carter Mitchell Patel Kim Evans Hughes Roberts Wood Edwards"),
}

// russianFeminine gives the feminine form of a Russian surname: Иванов → Иванова,
// Покровский → Покровская.
func russianFeminine(last string) string {
	switch {
	case strings.HasSuffix(last, "ский"):
		return strings.TrimSuffix(last, "ий") + "ая"
	case strings.HasSuffix(last, "ов"), strings.HasSuffix(last, "ев"), strings.HasSuffix(last, "ёв"), strings.HasSuffix(last, "ин"):
		return last + "а"
	}
	return last
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// pickZone draws a time zone by weight.
func pickZone(r *rand.Rand, zs []zone) string {
	total := 0
	for _, z := range zs {
		total += z.Weight
	}
	n := r.IntN(total)
	for _, z := range zs {
		if n < z.Weight {
			return z.Name
		}
		n -= z.Weight
	}
	return zs[len(zs)-1].Name
}
