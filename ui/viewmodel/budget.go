package viewmodel

import (
	"fmt"
	"strconv"
	"strings"

	"leadsheet/marketo"
)

// The account form's API budget: how much of the instance's limits this
// account may take. Empty fields mean the fair share.
const (
	BudgetHeading   = "API budget"
	BudgetExplained = "Marketo allows 10 calls at once and 100 per 20 seconds for the whole instance, shared with the CRM sync and " +
		"every other integration. Leadsheet uses half by default: leave a field empty for that. " +
		"The daily quota is in Marketo under Admin > Web Services (50,000 calls unless your company bought more)."
	CaptionConcurrency = "Calls at once"
	CaptionCallsPer20s = "Calls per 20 seconds"
	CaptionDailyQuota  = "Calls per day (quota)"
)

// Placeholders of the budget fields: what an empty field means.
var (
	HintConcurrency = fmt.Sprintf("%d (fair share)", marketo.FairConcurrency)
	HintCallsPer20s = fmt.Sprintf("%d (fair share)", marketo.FairCallsPer20s)
	HintDailyQuota  = Count(marketo.DefaultDailyQuota) + " (default)"
)

// ParseBudget reads the budget fields as typed: each a whole number,
// written with or without thousands separators, or empty for the default.
// It does not check the ranges: [marketo.Budget.Check] does, in Account.Check.
func ParseBudget(concurrency, callsPer20s, dailyQuota string) (marketo.Budget, error) {
	var b marketo.Budget
	for _, f := range []struct {
		text, name string
		dst        *int
	}{
		{concurrency, CaptionConcurrency, &b.Concurrency},
		{callsPer20s, CaptionCallsPer20s, &b.CallsPer20s},
		{dailyQuota, CaptionDailyQuota, &b.DailyQuota},
	} {
		n, err := parseCount(f.text)
		if err != nil {
			return marketo.Budget{}, fmt.Errorf("%s: %q is not a whole number. Type a number such as 5, or leave it empty for the default.", f.name, strings.TrimSpace(f.text))
		}
		*f.dst = n
	}
	return b, nil
}

// parseCount reads a count as an operator types it: "50000", "50,000",
// "50 000"; empty is 0.
func parseCount(s string) (int, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ',', '\'', '_', ' ', '\u00a0', '\u202f':
			return -1
		}
		return r
	}, s)
	if s == "" {
		return 0, nil
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("not a whole number: %q", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("read the count %q: %w", s, err)
	}
	return n, nil
}

// BudgetTexts are the budget fields' texts for a saved budget: empty where
// the default applies.
func BudgetTexts(b marketo.Budget) (concurrency, callsPer20s, dailyQuota string) {
	text := func(n int) string {
		if n <= 0 {
			return ""
		}
		return Count(n)
	}
	return text(b.Concurrency), text(b.CallsPer20s), text(b.DailyQuota)
}
