package tenant

import "strings"

// NormalizeOrgNumber strips what people write around an organisationsnummer
// ("212000-2411", "SE2120002411", "162120002411").
func NormalizeOrgNumber(s string) string {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimPrefix(s, "SE")
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(s) == 12 && strings.HasPrefix(s, "16") {
		s = s[2:]
	}
	if len(s) == 12 && strings.HasSuffix(s, "01") { // VAT number form SE<orgnr>01
		s = s[:10]
	}
	return s
}

// ValidOrgNumber checks the 10 digits and the Luhn check digit.
func ValidOrgNumber(s string) bool {
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
