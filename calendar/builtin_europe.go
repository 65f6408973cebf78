package calendar

import (
	"time"

	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
)

// European countries rickar/cal covers: its national list (the package's Holidays) mapped to
// stable ids, plus what it lacks. Conventions for ids shared across countries:
//
//   - 26 December is "boxing_day" where English calls it so (GB, AU, CA, NZ, HK, CY, MW)
//     and "st_stephens_day" everywhere else, whatever the local name (St Stephen's Day in
//     Ireland, Stefanitag, Tweede Kerstdag), except Greece's Synaxis of the Theotokos.
//   - Feasts computed from Orthodox Easter carry an "orthodox_" prefix (orthodox_easter,
//     orthodox_good_friday, ...), so a campaign names the Easter it means. rickar/cal's own
//     Julian-Easter rules are replaced by orthodox() (one computus, right in every century).
//   - A country's Labour Day is "labour_day" whatever its date (1 May, or September in the
//     US and Canada); Russia's is "spring_and_labour_day", its official name.
var europe = map[string][]rule{
	"AT": {
		fromCal("new_year", at.Neujahr), fromCal("epiphany", at.HeiligeDreiKoenige),
		fromCal("easter_monday", at.Ostermontag), fromCal("labour_day", at.TagderArbeit),
		fromCal("ascension_day", at.ChristiHimmelfahrt), fromCal("whit_monday", at.Pfingstmontag),
		fromCal("corpus_christi", at.Fronleichnam), fromCal("assumption_day", at.MariaHimmelfahrt),
		fromCal("national_day", at.Nationalfeiertag), fromCal("all_saints_day", at.Allerheiligen),
		fromCal("immaculate_conception", at.MariaEmpfaengnis), fromCal("christmas", at.Christtag),
		fromCal("st_stephens_day", at.Stefanitag),
	},
	"BE": {
		fromCal("new_year", be.Nieuwjaar), fromCal("easter_monday", be.Paasmaandag),
		fromCal("labour_day", be.DagVanDeArbeid), fromCal("ascension_day", be.OnzeLieveHeerHemelvaart),
		fromCal("whit_monday", be.Pinkstermaandag), fromCal("national_day", be.NationaleFeestdag),
		fromCal("assumption_day", be.OnzeLieveVrouwHemelvaart), fromCal("all_saints_day", be.Allerheiligen),
		fromCal("armistice_day", be.Wapenstilstand), fromCal("christmas", be.Kerstmis),
	},
	"BG": {
		fromCal("new_year", bg.NewYear), fromCal("liberation_day", bg.LiberationDay),
		orthodox("orthodox_good_friday", -2), orthodox("orthodox_easter", 0), orthodox("orthodox_easter_monday", 1),
		// rickar/cal moves Labour Day next to Easter in some years; the day itself is 1 May.
		fromCal("labour_day", aa.WorkersDay),
		fromCal("st_georges_day", bg.StGeorgesDay), fromCal("cyril_and_methodius_day", bg.StCyrilAndMethodiusDay),
		fromCal("unification_day", bg.UnificationDay), fromCal("independence_day", bg.IndependenceDay),
		fromCal("christmas_eve", bg.ChristmasEve), fromCal("christmas", bg.ChristmasDay),
		fromCal("st_stephens_day", bg.ChristmasDay2),
	},
	// Switzerland: rickar/cal's national list is the union of cantonal holidays; only 1 August
	// is federal. Kept as it is: a greeting on a cantonal feast is still welcome.
	"CH": {
		fromCal("new_year", ch.Neujahr), fromCal("berchtolds_day", ch.Berchtoldstag),
		fromCal("epiphany", ch.HeiligeDreiKoenige), fromCal("st_josephs_day", ch.Josefstag),
		fromCal("good_friday", ch.Karfreitag), fromCal("easter_monday", ch.Ostermontag),
		fromCal("labour_day", ch.TagderArbeit), fromCal("ascension_day", ch.Auffahrt),
		fromCal("whit_monday", ch.Pfingstmontag), fromCal("corpus_christi", ch.Fronleichnam),
		fromCal("national_day", ch.Bundesfeiertag), fromCal("assumption_day", ch.MariaHimmelfahrt),
		fromCal("immaculate_conception", ch.MariaEmpfangnis), fromCal("christmas", ch.Weihnachtstag),
		fromCal("st_stephens_day", ch.ZweiterWeihnachtsfeiertag),
	},
	"CZ": {
		fromCal("new_year", cz.NewYear), fromCal("good_friday", cz.GoodFriday),
		fromCal("easter_monday", cz.EasterMonday), fromCal("labour_day", cz.LabourDay),
		fromCal("liberation_day", cz.LiberationDay), fromCal("cyril_and_methodius_day", cz.SaintsCyrilMethodius),
		fromCal("jan_hus_day", cz.JanHusDay), fromCal("st_wenceslas_day", cz.SaintWenceslasDay),
		fromCal("independence_day", cz.IndependenceDay), fromCal("freedom_and_democracy_day", cz.FreedomDay),
		fromCal("christmas_eve", cz.ChristmasEve), fromCal("christmas", cz.ChristmasDay),
		fromCal("st_stephens_day", cz.SaintStephensDay),
	},
	"DE": {
		fromCal("new_year", de.Neujahr), fromCal("good_friday", de.Karfreitag),
		fromCal("easter_monday", de.Ostermontag), fromCal("labour_day", de.TagderArbeit),
		fromCal("ascension_day", de.ChristiHimmelfahrt), fromCal("whit_monday", de.Pfingstmontag),
		fromCal("german_unity_day", de.DeutschenEinheit), fromCal("christmas", de.Weihnachtstag),
		fromCal("st_stephens_day", de.ZweiterWeihnachtsfeiertag),
	},
	"DK": {
		fromCal("new_year", dk.Nytaarsdag), fromCal("maundy_thursday", dk.Skaertorsdag),
		fromCal("good_friday", dk.Langfredag), fromCal("easter_monday", dk.AndenPaaskedag),
		fromCal("great_prayer_day", dk.StoreBededag), fromCal("ascension_day", dk.KristiHimmelfartsdag),
		fromCal("whit_monday", dk.AndenPinsedag), fromCal("constitution_day", dk.Grundlovsdag),
		fromCal("christmas", dk.Juledag), fromCal("st_stephens_day", dk.AndenJuledag),
	},
	"ES": {
		fromCal("new_year", es.AñoNuevo), fromCal("epiphany", es.Reyes),
		fromCal("good_friday", es.ViernesSanto), fromCal("labour_day", es.Trabajador),
		fromCal("assumption_day", es.Asunción), fromCal("national_day", es.FiestaNacionalDeEspaña),
		fromCal("all_saints_day", es.TodosLosSantos), fromCal("constitution_day", es.Constitucion),
		fromCal("immaculate_conception", es.InmaculadaConcepcion), fromCal("christmas", es.Navidad),
	},
	"FR": {
		fromCal("new_year", fr.NouvelAn), fromCal("easter_monday", fr.LundiDePâques),
		fromCal("labour_day", fr.FêteDuTravail), fromCal("victory_day", fr.FêteDeLaVictoire),
		fromCal("ascension_day", fr.Ascension), fromCal("whit_monday", fr.LundiDePentecôte),
		fromCal("bastille_day", fr.FêteNationale), fromCal("assumption_day", fr.Assomption),
		fromCal("all_saints_day", fr.Toussaint), fromCal("armistice_day", fr.Armistice1918),
		fromCal("christmas", fr.Noël),
	},
	// GB is England and Wales, as in rickar/cal.
	"GB": {
		fromCal("new_year", gb.NewYear), fromCal("good_friday", gb.GoodFriday),
		fromCal("easter_monday", gb.EasterMonday), fromCal("early_may_bank_holiday", gb.EarlyMay),
		fromCal("ve_day", gb.VEDay), fromCal("coronation_day", gb.CoronationDay),
		fromCal("spring_bank_holiday", gb.SpringHoliday), fromCal("spring_bank_holiday", gb.SpringHoliday2022),
		fromCal("platinum_jubilee", gb.PlatinumJubilee), fromCal("summer_bank_holiday", gb.SummerHoliday),
		fromCal("christmas", gb.ChristmasDay), fromCal("boxing_day", gb.BoxingDay),
	},
	"GR": {
		fromCal("new_year", gr.Protoxronia), fromCal("epiphany", gr.Theophania),
		orthodox("clean_monday", -48), fromCal("independence_day", gr.IkostiPemptiMartiou),
		orthodox("orthodox_good_friday", -2), orthodox("orthodox_easter", 0), orthodox("orthodox_easter_monday", 1),
		fromCal("labour_day", gr.ErgatikiProtomagia), orthodox("orthodox_whit_monday", 50),
		fromCal("assumption_day", gr.KimisiTisTheotokou), fromCal("ochi_day", gr.ImeraTouOchi),
		fromCal("christmas", gr.Christougenna), fromCal("synaxis_of_the_theotokos", gr.SinaxisYperagiasTheotokou),
	},
	"HR": {
		fromCal("new_year", hr.NovaGodina), fromCal("epiphany", hr.SvetaTriKralja),
		fromCal("easter", hr.Uskrs), fromCal("easter_monday", hr.UskrsnjiPonedjeljak),
		fromCal("labour_day", hr.PraznikRada), fromCal("statehood_day", hr.DanDrzavnosti),
		fromCal("corpus_christi", hr.Tijelovo), fromCal("anti_fascist_struggle_day", hr.DanAntifasistickeBorbe),
		fromCal("victory_day", hr.DanPobjedeIDomovinskeZahvalnosti), fromCal("assumption_day", hr.VelikaGospa),
		fromCal("all_saints_day", hr.DanSvihSvetih), fromCal("remembrance_day", hr.DanSjecanjaNaZrtveDomovinskogRata),
		fromCal("christmas", hr.Bozic), fromCal("st_stephens_day", hr.SvetiStjepan),
	},
	"IE": {
		fromCal("new_year", ie.NewYear), fromCal("day_of_remembrance_and_recognition", ie.ExtraPublicHoliday2022),
		fromCal("st_brigids_day", ie.SaintBrigidDay), fromCal("st_patricks_day", ie.SaintPatrickDay),
		fromCal("easter_monday", ie.EasterMonday), fromCal("may_bank_holiday", ie.FirstMondayMay),
		fromCal("june_bank_holiday", ie.FirstMondayJune), fromCal("august_bank_holiday", ie.FirstMondayAugust),
		fromCal("october_bank_holiday", ie.LastMondayInOctober), fromCal("christmas", ie.ChristmasDay),
		fromCal("st_stephens_day", ie.SaintStephenDay),
	},
	"IT": {
		fromCal("new_year", it.Capodanno), fromCal("epiphany", it.Epifania),
		fromCal("easter_monday", it.Pasquetta), fromCal("liberation_day", it.FestaDellaLiberazione),
		fromCal("labour_day", it.FestaDelLavoro), fromCal("republic_day", it.FestaDellaRepubblica),
		fromCal("assumption_day", it.Assunzione), fromCal("all_saints_day", it.TuttiISanti),
		fromCal("immaculate_conception", it.Immacolata), fromCal("christmas", it.Natale),
		fromCal("st_stephens_day", it.SantoStefano),
	},
	"LT": {
		fromCal("new_year", lt.NewYear), fromCal("state_restoration_day", lt.StateRestorationDay),
		fromCal("independence_restoration_day", lt.IndependenceDay), fromCal("easter_monday", lt.EasterMonday),
		fromCal("labour_day", lt.LabourDay), fromCal("midsummer", lt.SaintJohnsEve),
		fromCal("statehood_day", lt.StatehoodDay), fromCal("assumption_day", lt.AssumptionDay),
		fromCal("all_saints_day", lt.AllSaintsDay), fromCal("all_souls_day", lt.AllSoulsDay),
		fromCal("christmas_eve", lt.ChristmasEve), fromCal("christmas", lt.ChristmasDayOne),
		fromCal("st_stephens_day", lt.ChristmasDayTwo),
	},
	"LV": {
		fromCal("new_year", lv.NewYear), fromCal("good_friday", lv.GoodFriday),
		fromCal("easter", lv.Easter), fromCal("easter_monday", lv.EasterMonday),
		fromCal("labour_day", lv.LabourDay), fromCal("independence_restoration_day", lv.StateRestorationDay),
		fromCal("midsummer_eve", lv.MidsummerEve), fromCal("midsummer", lv.MidsummeDay),
		fromCal("proclamation_day", lv.StateProclamationDay), fromCal("christmas_eve", lv.ChristmasEve),
		fromCal("christmas", lv.ChristmasDay), fromCal("st_stephens_day", lv.ChristmasDay2),
		fromCal("new_years_eve", lv.NewYearEve),
	},
	"NL": {
		fromCal("new_year", nl.Nieuwjaar), fromCal("good_friday", nl.GoedeVrijdag),
		fromCal("easter_monday", nl.TweedePaasdag), fromCal("kings_day", nl.Koningsdag),
		fromCal("liberation_day", nl.BevrijdingsDag), fromCal("ascension_day", nl.Hemelvaart),
		fromCal("whit_monday", nl.TweedePinksterDag), fromCal("christmas", nl.EersteKerstdag),
		fromCal("st_stephens_day", nl.TweedeKerstdag),
	},
	"NO": {
		fromCal("new_year", no.FoersteNyttaarsdag), fromCal("maundy_thursday", no.Skjaertorsdag),
		fromCal("good_friday", no.Langfredag), fromCal("easter_monday", no.AndrePaaskedag),
		fromCal("labour_day", no.Arbeiderenesdag), fromCal("constitution_day", no.Grunnlovsdag),
		fromCal("ascension_day", no.Kristihimmelfartsdag), fromCal("whit_monday", no.AndrePinsedag),
		fromCal("christmas", no.FoersteJuledag), fromCal("st_stephens_day", no.AndreJuledag),
	},
	"PL": {
		fromCal("new_year", pl.NewYear), fromCal("epiphany", pl.ThreeKings),
		fromCal("easter_monday", pl.EasterMonday), fromCal("labour_day", pl.LabourDay),
		fromCal("constitution_day", pl.ConstitutionDay), fromCal("corpus_christi", pl.CorpusChristi),
		fromCal("assumption_day", pl.AssumptionBlessedVirginMary), fromCal("all_saints_day", pl.AllSaints),
		fromCal("independence_day", pl.NationalIndependenceDay),
		// Christmas Eve has been a public holiday since 2025 (Act of 6 December 2024).
		fixed("christmas_eve", time.December, 24).years(2025, 0),
		fromCal("christmas", pl.ChristmasDayOne), fromCal("st_stephens_day", pl.ChristmasDayTwo),
	},
	"RO": {
		fromCal("new_year", ro.AnulNou), fromCal("day_after_new_year", ro.AnulNou2),
		fromCal("unification_day", ro.ZiuaUniriiPrincipatelorRomane),
		orthodox("orthodox_good_friday", -2).years(2018, 0), orthodox("orthodox_easter", 0),
		orthodox("orthodox_easter_monday", 1), fromCal("labour_day", ro.ZiuaMuncii),
		fromCal("childrens_day", ro.ZiuaCopilului), orthodox("orthodox_whit_sunday", 49),
		orthodox("orthodox_whit_monday", 50), fromCal("assumption_day", ro.AdormireaMaiciiDomnului),
		fromCal("st_andrews_day", ro.SfantulAndrei), fromCal("national_day", ro.ZiuaNationala),
		fromCal("christmas", ro.Craciunul), fromCal("st_stephens_day", ro.Craciunul2),
	},
	"RU": {
		fromCal("new_year", ru.NewYear), fromCal("orthodox_christmas", ru.OrthodoxChristmas),
		fromCal("defender_of_the_fatherland_day", ru.MilitaryDay),
		fromCal("international_womens_day", ru.WomensDay), orthodox("orthodox_easter", 0),
		fromCal("spring_and_labour_day", ru.LabourDay), fromCal("victory_day", ru.VictoryDay),
		fromCal("russia_day", ru.RussiasDay), fromCal("unity_day", ru.UnionDay),
	},
	"SE": {
		fromCal("new_year", se.Nyarsdagen), fromCal("epiphany", se.TrettondedagJul),
		fromCal("good_friday", se.Langfredagen), fromCal("easter_monday", se.AnnandagPask),
		fromCal("labour_day", se.ForstaMaj), fromCal("ascension_day", se.KristiHimmelfardsdag),
		fromCal("national_day", se.Nationaldagen), fromCal("midsummer_eve", se.Midsommarafton),
		fromCal("midsummer", se.Midsommardagen), fromCal("all_saints_day", se.AllaHelgonsDag),
		fromCal("christmas_eve", se.Julafton), fromCal("christmas", se.Juldagen),
		fromCal("st_stephens_day", se.AnnandagJul), fromCal("new_years_eve", se.Nyarsafton),
	},
	"SI": {
		fromCal("new_year", si.NovoLeto), fromCal("day_after_new_year", si.NovoLeto2),
		fromCal("preseren_day", si.PresernovDan), fromCal("resistance_day", si.DanUporaProtiOkupatorju),
		fromCal("easter", si.VelikaNoc), fromCal("easter_monday", si.VelikonocniPonedeljek),
		fromCal("whit_sunday", si.BinkostnaNedelja), fromCal("labour_day", si.PrviMaj),
		fromCal("day_after_labour_day", si.DrugiMaj), fromCal("statehood_day", si.DanDrzavnosti),
		fromCal("assumption_day", si.MarijinoVnebovzetje), fromCal("reformation_day", si.DanReformacije),
		fromCal("all_saints_day", si.DanSpominaNaMrtve), fromCal("christmas", si.Bozic),
		fromCal("independence_and_unity_day", si.DanSamostojnostiInEnotnosti),
	},
	"SK": {
		fromCal("new_year", sk.RepublicDay), fromCal("epiphany", sk.Epiphany),
		fromCal("good_friday", sk.GoodFriday), fromCal("easter_monday", sk.EasterMonday),
		fromCal("labour_day", sk.LabourDay), fromCal("liberation_day", sk.Liberation),
		fromCal("cyril_and_methodius_day", sk.SaintsCyril), fromCal("slovak_national_uprising_day", sk.SNP),
		fromCal("constitution_day", sk.Constitution), fromCal("our_lady_of_sorrows", sk.LadyOfSorrows),
		fromCal("all_saints_day", sk.AllSaints), fromCal("freedom_and_democracy_day", sk.Freedom),
		fromCal("christmas_eve", sk.ChristmasEve), fromCal("christmas", sk.ChristmasDay),
		fromCal("st_stephens_day", sk.SaintStephen),
	},
	// Ukraine moved Christmas to 25 December in 2023 (Law 3221-IX): 7 January 2023 was the
	// last Orthodox Christmas holiday. The same law moved Defenders' Day from 14 October to
	// 1 October from 2023, and Law 3107-IX made 8 May the Day of Remembrance and Victory from
	// 2024. rickar/cal v2.1.13 still has the old dates; these rules replace them.
	"UA": {
		fromCal("new_year", ua.NewYear), julianChristmas().years(0, 2023),
		fromCal("international_womens_day", ua.WomensDay), orthodox("orthodox_easter", 0),
		orthodox("orthodox_easter_monday", 1), fromCal("labour_day", ua.LabourDay),
		fromCal("day_after_labour_day", ua.LabourDay2),
		fixed("victory_day", time.May, 9).years(0, 2023), fixed("victory_day", time.May, 8).years(2024, 0),
		orthodox("orthodox_whit_sunday", 49), fromCal("constitution_day", ua.ConstitutionDay),
		fromCal("independence_day", ua.IndependenceDay),
		fixed("defenders_day", time.October, 14).years(2015, 2022), fixed("defenders_day", time.October, 1).years(2023, 0),
		fromCal("christmas", ua.CatholicChristmas),
	},
}
