package calendar

import (
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// Countries outside Europe that rickar/cal covers, with the same id conventions as europe.
var world = map[string][]rule{
	"AR": {
		fromCal("new_year", ar.NewYear), fromCal("carnival_monday", ar.CarnivalDay1),
		fromCal("carnival_tuesday", ar.CarnivalDay2), fromCal("truth_and_justice_day", ar.TruethDay),
		fromCal("malvinas_day", ar.MalvinasVeterans), fromCal("good_friday", ar.EasternsDay),
		fromCal("labour_day", ar.LaborDay), fromCal("may_revolution_day", ar.RevolutionDay),
		fromCal("guemes_day", ar.GuemesDay), fromCal("flag_day", ar.BelgranoDay),
		fromCal("independence_day", ar.IndependenceDay), fromCal("san_martin_day", ar.SanMartinDay),
		fromCal("cultural_diversity_day", ar.DiversityDay), fromCal("national_sovereignty_day", ar.SovereigntyDay),
		fromCal("immaculate_conception", ar.VirgenDay), fromCal("christmas", ar.ChristmasDay),
	},
	// Australia: rickar/cal has only state lists; these are the holidays every state keeps.
	// Labour Day and the King's Birthday move from state to state and are left out.
	"AU": {
		fromCal("new_year", au.NewYear), fromCal("australia_day", au.AustraliaDay),
		fromCal("good_friday", au.GoodFriday), fromCal("easter_saturday", au.EasterSaturday),
		fromCal("easter", au.EasterSunday), fromCal("easter_monday", au.EasterMonday),
		fromCal("anzac_day", au.AnzacDay), fromCal("christmas", au.ChristmasDay),
		fromCal("boxing_day", au.BoxingDay),
	},
	"BR": {
		fromCal("new_year", br.AnoNovo), fromCal("carnival", br.Carnaval),
		fromCal("good_friday", br.SextaFeiraSanta), fromCal("tiradentes_day", br.Tiradentes),
		fromCal("labour_day", br.Trabalhador), fromCal("corpus_christi", br.CorpusChristi),
		fromCal("independence_day", br.Independencia), fromCal("our_lady_of_aparecida", br.NossaSenhoraAparecida),
		fromCal("all_souls_day", br.Finados), fromCal("republic_day", br.Republica),
		fromCal("christmas", br.Natal),
	},
	"CA": {
		fromCal("new_year", ca.NewYear), fromCal("good_friday", ca.GoodFriday),
		fromCal("easter_monday", ca.EasterMonday), fromCal("victoria_day", ca.VictoriaDay),
		fromCal("canada_day", ca.CanadaDay), fromCal("civic_holiday", ca.CivicDay),
		fromCal("labour_day", ca.LabourDay), fromCal("truth_and_reconciliation_day", ca.NationalDayForTruthAndReconciliation),
		fromCal("thanksgiving", ca.ThanksgivingDay), fromCal("remembrance_day", ca.RemembranceDay),
		fromCal("christmas", ca.ChristmasDay), fromCal("boxing_day", ca.BoxingDay),
	},
	"JP": {
		fromCal("new_year", jp.NewYear), fromCal("coming_of_age_day", jp.ComingOfAgeDay),
		fromCal("national_foundation_day", jp.NationalFoundationDay), fromCal("emperors_birthday", jp.TheEmperorsBirthday),
		fromCal("vernal_equinox_day", jp.VernalEquinoxDay), fromCal("showa_day", jp.ShowaDay),
		fromCal("constitution_day", jp.ConstitutionMemorialDay), fromCal("greenery_day", jp.GreeneryDay),
		fromCal("childrens_day", jp.ChildrensDay), fromCal("marine_day", jp.MarineDay),
		fromCal("mountain_day", jp.MountainDay), fromCal("respect_for_the_aged_day", jp.RespectForTheAgedDay),
		fromCal("autumnal_equinox_day", jp.AutumnalEquinoxDay), fromCal("sports_day", jp.SportsDay),
		fromCal("culture_day", jp.CultureDay), fromCal("labour_thanksgiving_day", jp.LaborThanksgivingDay),
		// Kokumin no kyūjitsu: a weekday between two holidays becomes one.
		fromCal("citizens_holiday", jp.NationalHolidayBetweenRespectForTheAgedDayAndAutumnalEquinoxDay),
		fromCal("citizens_holiday", jp.NationalHolidayBetweenShowaDayAndNewEmperorEnthronementDay),
		fromCal("citizens_holiday", jp.NationalHolidayBetweenTheNewEmperorEnthronementDayAndConstitutionMemorialDay),
		fromCal("enthronement_day", jp.TheNewEmperorEnthronementDay),
		fromCal("enthronement_ceremony", jp.TheNewEmperorEnthronementCeremony),
	},
	"MW": {
		fromCal("new_year", mw.NewYear), fromCal("chilembwe_day", mw.ChilembweDay),
		fromCal("martyrs_day", mw.MartyrsDay), fromCal("good_friday", mw.GoodFriday),
		fromCal("easter_monday", mw.Easter), fromCal("labour_day", mw.LabourDay),
		fromCal("kamuzu_day", mw.KamuzuDay), fromCal("independence_day", mw.IndependenceDay),
		fromCal("mothers_day", mw.MothersDay), fromCal("christmas", mw.ChristmasDay),
		fromCal("boxing_day", mw.BoxingDay),
	},
	// New Caledonia keeps the French holidays and its Citizenship Day.
	"NC": {
		fromCal("new_year", nc.NouvelAn), fromCal("easter_monday", nc.LundiDePâques),
		fromCal("labour_day", nc.FêteDuTravail), fromCal("victory_day", nc.FêteDeLaVictoire),
		fromCal("ascension_day", nc.Ascension), fromCal("whit_monday", nc.LundiDePentecôte),
		fromCal("bastille_day", nc.FêteNationale), fromCal("assumption_day", nc.Assomption),
		fromCal("citizenship_day", nc.FêteDeLaCitoyenneté), fromCal("all_saints_day", nc.Toussaint),
		fromCal("armistice_day", nc.Armistice1918), fromCal("christmas", nc.Noël),
	},
	"NZ": {
		fromCal("new_year", nz.NewYear), fromCal("day_after_new_year", nz.DayAfterNewYear),
		fromCal("waitangi_day", nz.WaitangiDay), fromCal("good_friday", nz.GoodFriday),
		fromCal("easter_monday", nz.EasterMonday), fromCal("anzac_day", nz.AnzacDay),
		fromCal("kings_birthday", nz.QueensBirthday), fromCal("labour_day", nz.LabourDay),
		fromCal("christmas", nz.ChristmasDay), fromCal("boxing_day", nz.BoxingDay),
	},
	// US federal holidays, plus Black Friday: not a holiday, but the day US retail greets
	// every customer.
	"US": {
		fromCal("new_year", us.NewYear), fromCal("martin_luther_king_day", us.MlkDay),
		fromCal("presidents_day", us.PresidentsDay), fromCal("memorial_day", us.MemorialDay),
		fromCal("juneteenth", us.Juneteenth), fromCal("independence_day", us.IndependenceDay),
		fromCal("labour_day", us.LaborDay).named("Labor Day"), fromCal("columbus_day", us.ColumbusDay),
		fromCal("veterans_day", us.VeteransDay), fromCal("thanksgiving", us.ThanksgivingDay),
		fromCal("black_friday", us.DayAfterThanksgivingDay), fromCal("christmas", us.ChristmasDay),
	},
	"ZA": {
		fromCal("new_year", za.NewYear), fromCal("human_rights_day", za.HumanRightsDay),
		fromCal("good_friday", za.GoodFriday), fromCal("family_day", za.FamilyDay),
		fromCal("freedom_day", za.FreedomDay), fromCal("labour_day", za.WorkersDay),
		fromCal("youth_day", za.YouthDay), fromCal("national_womens_day", za.WomensDay),
		fromCal("heritage_day", za.HeritageDay), fromCal("day_of_reconciliation", za.ReconciliationDay),
		fromCal("christmas", za.ChristmasDay), fromCal("goodwill_day", za.GoodwillDay),
	},
}
