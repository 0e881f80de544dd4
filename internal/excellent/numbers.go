package excellent

import (
	"math/big"
	"strings"
)

// numberFunctions work on numbers.
var numberFunctions = map[string]builtin{
	"round":         numberAndOptionalInteger(fnRound),
	"round_up":      numberAndOptionalInteger(fnRoundUp),
	"round_down":    numberAndOptionalInteger(fnRoundDown),
	"abs":           oneNumber(fnAbs),
	"max":           variadic(1, -1, fnMax),
	"min":           variadic(1, -1, fnMin),
	"mean":          variadic(1, -1, fnMean),
	"mod":           twoNumbers(fnMod),
	"format_number": variadic(1, 3, fnFormatNumber),
}

// fnRound rounds half away from zero to places decimal places.
func fnRound(_ *Env, n Number, places int) Value { return n.round(places) }

// fnRoundUp rounds up to places decimal places.
func fnRoundUp(_ *Env, n Number, places int) Value { return roundAway(n, places, true) }

// fnRoundDown rounds down to places decimal places.
func fnRoundDown(_ *Env, n Number, places int) Value { return roundAway(n, places, false) }

// roundAway rounds up (or down) unless the number is already round at
// places, as goflow's round_up and round_down do.
func roundAway(n Number, places int, up bool) Number {
	places = min(max(places, -1000), 1000)
	if n.round(places).cmp(n) == 0 {
		return n
	}
	half := Number{new(big.Rat).SetFrac(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places+1)), nil))}
	if places+1 < 0 {
		half = Number{new(big.Rat).SetInt(new(big.Int).Mul(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-places-1)), nil)))}
	}
	if up {
		return n.add(half).round(places)
	}
	return n.sub(half).round(places)
}

// fnAbs returns the absolute value of a number.
func fnAbs(_ *Env, n Number) Value {
	if n.rat().Sign() < 0 {
		return n.neg()
	}
	return n
}

// fnMax returns the greatest of the numbers.
func fnMax(_ *Env, args []Value) Value { return extremum(args, 1) }

// fnMin returns the least of the numbers.
func fnMin(_ *Env, args []Value) Value { return extremum(args, -1) }

func extremum(args []Value, sign int) Value {
	best, err := toNumber(args[0])
	if err != nil {
		return *err
	}
	for _, a := range args[1:] {
		n, err := toNumber(a)
		if err != nil {
			return *err
		}
		if n.cmp(best)*sign > 0 {
			best = n
		}
	}
	return best
}

// fnMean returns the mean of the numbers.
func fnMean(_ *Env, args []Value) Value {
	total := NumberFromInt(0)
	for _, a := range args {
		n, err := toNumber(a)
		if err != nil {
			return *err
		}
		total = total.add(n)
	}
	return total.div(NumberFromInt(int64(len(args))))
}

// fnMod returns the remainder of a division; it takes the sign of the
// dividend, the quotient being truncated as in decimal.Mod.
func fnMod(_ *Env, a, b Number) Value {
	if b.isZero() {
		return Errorf("division by zero")
	}
	q := Number{new(big.Rat).SetInt(Number{new(big.Rat).Quo(a.rat(), b.rat())}.truncate())}
	return a.sub(b.mul(q))
}

// fnFormatNumber formats a number with a number of decimal places (0-9,
// as many as it has by default) and digits grouped by thousands unless
// told not to: format_number(number[, places[, humanize]]).
func fnFormatNumber(_ *Env, args []Value) Value {
	n, err := toNumber(args[0])
	if err != nil {
		return *err
	}
	places := -1
	if len(args) >= 2 {
		if places, err = toInteger(args[1]); err != nil {
			return *err
		}
		if places < 0 || places > 9 {
			return Errorf("must take 0-9 number of places, got %d", places)
		}
	}
	group := true
	if len(args) == 3 {
		if IsError(args[2]) {
			return args[2]
		}
		group = Truthy(args[2])
	}
	s := n.String()
	if places >= 0 {
		s = n.round(places).rat().FloatString(places)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	if group {
		var b strings.Builder
		for i, r := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		intPart = b.String()
	}
	if neg {
		intPart = "-" + intPart
	}
	if frac != "" {
		return intPart + "." + frac
	}
	return intPart
}
