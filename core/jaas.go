package core

import "strings"

// jaasModules are the login modules of sasl.jaas.config whose username and
// password options this producer reads (Java's PlainLoginModule and
// ScramLoginModule).
var jaasModules = []string{
	"org.apache.kafka.common.security.plain.PlainLoginModule",
	"org.apache.kafka.common.security.scram.ScramLoginModule",
}

// parseJAAS reads a JAAS entry as Kafka's JaasConfig does: a login module
// class, a control flag, options as key=value (values quoted or bare) and a
// closing semicolon. It returns the username and password options, or why
// text is not such an entry; the reason never quotes text, which holds a
// password.
func parseJAAS(text string) (user, password, reason string) {
	rest := strings.TrimSpace(text)
	module, rest := cutSpace(rest)
	known := false
	for _, m := range jaasModules {
		known = known || module == m
	}
	if !known {
		return "", "", "must name PlainLoginModule or ScramLoginModule (org.apache.kafka.common.security...)"
	}
	flag, rest := cutSpace(strings.TrimSpace(rest))
	switch strings.ToLower(strings.TrimSuffix(flag, ";")) {
	case "required", "requisite", "sufficient", "optional":
	default:
		return "", "", "must give a control flag (required) after the login module"
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasSuffix(rest, ";") && !strings.HasSuffix(flag, ";") {
		return "", "", "must end with a semicolon"
	}
	rest = strings.TrimSpace(strings.TrimSuffix(rest, ";"))
	for rest != "" {
		var key, value string
		key, rest, _ = strings.Cut(rest, "=")
		key = strings.TrimSpace(key)
		rest = strings.TrimLeft(rest, " \t\r\n")
		if key == "" || strings.ContainsAny(key, " \t\"") {
			return "", "", "has an option that is not key=value"
		}
		if strings.HasPrefix(rest, `"`) {
			end := closingQuote(rest[1:])
			if end < 0 {
				return "", "", "has a quoted value with no closing quote"
			}
			value = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(rest[1 : 1+end])
			rest = rest[2+end:]
		} else {
			value, rest = cutSpace(rest)
		}
		rest = strings.TrimSpace(rest)
		switch key {
		case "username":
			user = value
		case "password":
			password = value
		}
	}
	return user, password, ""
}

// cutSpace splits s around its first white space (a JAAS entry may span
// lines).
func cutSpace(s string) (before, after string) {
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// closingQuote returns the index of the first unescaped quote in s, or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
