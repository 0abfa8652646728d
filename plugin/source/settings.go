package source

import (
	"strconv"
	"time"
)

// SettingsDiffer compares two declarations of one source (same Key): the
// first setting of how it is synced on which they differ, with a's and
// b's values as a message would quote them; "" when they agree. Names and
// origins are not settings: Applications declaring one source share it
// only when its settings agree.
func SettingsDiffer(a, b Declaration) (field, aValue, bValue string) {
	for _, f := range []struct {
		name string
		a, b string
	}{
		{"secretRef", a.SecretRef, b.SecretRef},
		{"serviceAccountName", a.ServiceAccountName, b.ServiceAccountName},
		{"decryption.secretRef", a.DecryptionSecret, b.DecryptionSecret},
		{"prune", strconv.FormatBool(a.Prune), strconv.FormatBool(b.Prune)},
		{"pullInterval", intervalSetting(a.Interval), intervalSetting(b.Interval)},
	} {
		if f.a != f.b {
			return f.name, quoteSetting(f.a), quoteSetting(f.b)
		}
	}
	return "", "", ""
}

func intervalSetting(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func quoteSetting(v string) string {
	if v == "" {
		return "none"
	}
	return strconv.Quote(v)
}

// WithSettingsOf is s with the settings of how it is synced taken from
// from: s keeps its name (so its inventory) and origin.
func (s Declaration) WithSettingsOf(from Declaration) Declaration {
	s.SecretRef, s.ServiceAccountName, s.DecryptionSecret = from.SecretRef, from.ServiceAccountName, from.DecryptionSecret
	s.Prune, s.Interval = from.Prune, from.Interval
	return s
}
