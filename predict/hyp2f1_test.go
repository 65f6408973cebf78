package predict

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

func TestHyp2F1MatchesClosedForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		a, b, c, z float64
		want       float64
	}{
		{"log: 2F1(1,1;2;z) = −ln(1−z)/z", 1, 1, 2, 0.5, -math.Log(0.5) / 0.5},
		{"log near 1", 1, 1, 2, 0.99, -math.Log(0.01) / 0.99},
		{"binomial: 2F1(a,b;b;z) = (1−z)^−a", 2.5, 1.3, 1.3, 0.7, math.Pow(0.3, -2.5)},
		{"binomial with negative a", -0.75, 3, 3, 0.6, math.Pow(0.4, 0.75)},
		{"arcsin: 2F1(½,½;3/2;z²) = asin(z)/z", 0.5, 0.5, 1.5, 0.81, math.Asin(0.9) / 0.9},
		{"arctan at negative z: 2F1(½,1;3/2;−z²) = atan(z)/z", 0.5, 1, 1.5, -0.64, math.Atan(0.8) / 0.8},
		{"arctan close to −1", 0.5, 1, 1.5, -0.98, math.Atan(math.Sqrt(0.98)) / math.Sqrt(0.98)},
		{"polynomial: a = −2", -2, 3, 4, 0.5, 1 - 2*3*0.5/4 + 3*4*0.25/(4*5)},
		{"z = 0", 0.3, 0.7, 1.1, 0, 1},
		{"c below 1 (x=0 with a+b<1)", 0.4, 1.2, 0.3, 0.5, mathext.Hypergeo(0.4, 1.2, 0.3, 0.5)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := hyp2f1(c.a, c.b, c.c, c.z)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-c.want) > 1e-13*math.Max(1, math.Abs(c.want)) {
				t.Errorf("2F1(%v,%v;%v;%v) = %.16g, want %.16g", c.a, c.b, c.c, c.z, got, c.want)
			}
		})
	}
}

func TestHyp2F1AgreesWithGonumOnBGNBDArguments(t *testing.T) {
	t.Parallel()
	// The arguments eq. 10 produces: (r+x, b+x; a+b+x−1; z) for a range of fits and customers.
	for _, m := range []BGNBD{{0.243, 4.414, 0.793, 2.426}, {1.5, 20, 3, 8}, {0.1, 0.5, 0.2, 0.9}} {
		for _, x := range []float64{0, 1, 5, 30} {
			for _, z := range []float64{0.01, 0.3, 0.6, 0.9} {
				got, err := hyp2f1(m.R+x, m.B+x, m.A+m.B+x-1, z)
				if err != nil {
					t.Fatal(err)
				}
				want := mathext.Hypergeo(m.R+x, m.B+x, m.A+m.B+x-1, z)
				if math.Abs(got-want) > 1e-10*math.Abs(want) {
					t.Errorf("%+v x=%v z=%v: got %.15g, gonum %.15g", m, x, z, got, want)
				}
			}
		}
	}
}

func TestHyp2F1ScaledIsFiniteWhereTheQuotientIsNot(t *testing.T) {
	t.Parallel()
	// c·(F−1)/b at b = 0 is the derivative in b times c: Σ (a)_n/(n·(c+1)_{n−1}) zⁿ; for
	// a = c = 1 it is Σ zⁿ/n = −ln(1−z).
	got, err := hyp2f1Scaled(1, 0, 1, 0.5)
	if err != nil || math.Abs(got+math.Log(0.5)) > 1e-15 {
		t.Errorf("S(1,0,1,0.5) = %v, %v; want %v", got, err, -math.Log(0.5))
	}
	// At c = 0 the scaled series is finite: c·F has no pole there.
	if got, err := hyp2f1Scaled(0.5, 0.5, 0, 0.5); err != nil || !finite(got) {
		t.Errorf("S at c=0 = %v, %v; want a finite value", got, err)
	}
}

func TestHyp2F1ManyAgreesWithOneAtATime(t *testing.T) {
	t.Parallel()
	zs := []float64{0, 0.05, 0.2, 0.45, 0.7, 0.93}
	out := make([]float64, len(zs))
	a, b, c := 1.976, -0.207, 4.22
	if err := hyp2f1ScaledMany(a, b, c, zs, out); err != nil {
		t.Fatal(err)
	}
	for k, z := range zs {
		want, err := hyp2f1Scaled(a, b, c, z)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(out[k]-want) > 1e-11*math.Max(1, math.Abs(want)) {
			t.Errorf("z=%v: many %.16g, one %.16g", z, out[k], want)
		}
	}
}

func TestHyp2F1RefusesArgumentsOutsideItsDomain(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		a, b, c, z float64
	}{
		{"z = 1", 1, 1, 2, 1},
		{"z = −1", 1, 1, 2, -1},
		{"NaN", math.NaN(), 1, 2, 0.5},
		{"Inf z", 1, 1, 2, math.Inf(1)},
		{"pole c = −2", 1, 1, -2, 0.5},
		{"pole c = 0", 1, 1, 0, 0.5},
	} {
		if v, err := hyp2f1(c.a, c.b, c.c, c.z); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: got %v, %v; want ErrInvalidInput", c.name, v, err)
		}
	}
}
