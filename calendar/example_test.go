package calendar_test

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
)

func Example() {
	cal, err := calendar.New([]*config.Holiday{
		{ID: "shop_birthday", Name: "Our birthday", Countries: []string{"IR"}, Date: "03-22", File: "holidays/shop.yaml"},
	}, calendar.WithIslamicOffsets(map[string]int{"IR": 1})) // Iran announces a day after Umm al-Qura
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range cal.On("IR", 2027, time.March, 21) {
		fmt.Println(h.Date, h.ID, h.Name)
	}
	next, _ := cal.Next("CN", "lunar_new_year", calendar.Date{Year: 2027, Month: time.March, Day: 1})
	fmt.Println("next Chinese New Year:", next)
	for _, h := range cal.List("IR", 2027) {
		fmt.Println(h.Date, h.ID, h.Custom, h.Days, h.Quiet)
	}
	// Output:
	// 2027-03-21 nowruz Nowruz
	// next Chinese New Year: 2028-01-26
	// 2027-02-09 ramadan false 29 true
	// 2027-02-11 revolution_day false 1 false
	// 2027-03-10 eid_al_fitr false 3 true
	// 2027-03-21 nowruz false 1 false
	// 2027-03-22 shop_birthday true 1 false
	// 2027-04-01 islamic_republic_day false 1 false
	// 2027-04-02 nature_day false 1 false
	// 2027-05-17 eid_al_adha false 4 true
	// 2027-11-20 mothers_day false 1 false
	// 2027-12-21 yalda false 1 false
}
