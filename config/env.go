package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// envPrefix starts every variable that overrides a key of rapport.yaml.
const envPrefix = "RAPPORT_"

// envField is one key of rapport.yaml that an environment variable can set.
type envField struct {
	path string        // yaml key path, "email.smtp_url"
	v    reflect.Value // the field, addressable
}

// envFields maps variable names to the fields of c they set, walking the yaml tags so that a
// key added to types.go is overridable without touching this file.
func envFields(c *Config) map[string]envField {
	out := map[string]envField{}
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			p := append(path[:len(path):len(path)], name)
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct && !isValueType(fv) {
				walk(fv, p)
				continue
			}
			out[envPrefix+strings.ToUpper(strings.Join(p, "_"))] = envField{path: strings.Join(p, "."), v: fv}
		}
	}
	walk(reflect.ValueOf(c).Elem(), nil)
	return out
}

// isValueType reports a struct written as one string (Window, Limit, TimeOfDay, ...) rather
// than a mapping of keys.
func isValueType(v reflect.Value) bool {
	_, ok := v.Addr().Interface().(nodeUnmarshaler)
	return ok
}

// applyEnv sets the fields named by RAPPORT_* variables, later entries winning as in
// os.Environ. An empty value counts as unset: deployment templates often expand a missing
// variable to "", which should not wipe a value written in the file. set receives
// key path -> variable name for every field set. Unknown RAPPORT_* names are left alone:
// they may belong to cmd (RAPPORT_CONFIG) or to the tests.
func applyEnv(c *Config, env []string, set map[string]string) ErrorList {
	fields := envFields(c)
	var errs ErrorList
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) || value == "" {
			continue
		}
		f, known := fields[name]
		if !known {
			continue
		}
		if err := setFromString(f.v, value); err != nil {
			errs = append(errs, Error{Field: name, Msg: err.Error()})
			continue
		}
		set[f.path] = name
	}
	return errs
}

// setFromString parses s into v by v's type. Lists are comma separated.
func setFromString(v reflect.Value, s string) error {
	switch p := v.Addr().Interface().(type) {
	case *Duration:
		return parseInto(p, s, ParseDuration)
	case *Window:
		return parseInto(p, s, ParseWindow)
	case *Limit:
		return parseInto(p, s, ParseLimit)
	case *TimeOfDay:
		return parseInto(p, s, ParseTimeOfDay)
	case *Percent:
		return parseInto(p, s, ParsePercent)
	case *Repeat:
		return parseInto(p, s, ParseRepeat)
	case *Size:
		return parseInto(p, s, ParseSize)
	case **bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid boolean %q (want true or false)", s)
		}
		*p = &b
		return nil
	case *CountryDays:
		return parseInto(p, s, ParseCountryDays)
	case *Rates:
		return parseInto(p, s, ParseRates)
	case *[]APIKey: // bare keys, every scope: scoped keys are written in rapport.yaml
		var list []APIKey
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, bareKey(item))
			}
		}
		*p = list
		return nil
	case *[]string:
		var list []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		*p = list
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("invalid number %q", s)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid boolean %q (want true or false)", s)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from the environment (type %s)", v.Type())
	}
	return nil
}

func parseInto[T any](dst *T, s string, parse func(string) (T, error)) error {
	v, err := parse(s)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
