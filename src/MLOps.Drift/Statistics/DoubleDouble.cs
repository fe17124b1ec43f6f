using System.Runtime.CompilerServices;

namespace MLOps.Drift.Statistics;

/// <summary>
/// A double-double number (an unevaluated sum <c>Hi + Lo</c> with about 106 bits of significand), ported from the
/// subset of the QD library that SciPy 1.10 ships as <c>scipy/special/cephes/dd_real*.h</c> and that
/// <c>kolmogorov.c</c> (the one-sided Smirnov distribution) relies on. Operation names follow the C source so the
/// port can be read side by side with it.
/// </summary>
internal readonly struct DoubleDouble
{
    public readonly double Hi;
    public readonly double Lo;

    public DoubleDouble(double hi, double lo)
    {
        Hi = hi;
        Lo = lo;
    }

    public static DoubleDouble One => new(1.0, 0.0);

    public static DoubleDouble Zero => new(0.0, 0.0);

    public bool IsZero => Hi == 0.0;

    public bool IsFinite => double.IsFinite(Hi);

    public bool IsNegative => Hi < 0.0;

    // ---- error-free transformations (dd_idefs.h) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double QuickTwoSum(double a, double b, out double err)
    {
        double s = a + b;
        double c = s - a;
        err = b - c;
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double TwoSum(double a, double b, out double err)
    {
        double s = a + b;
        double c = s - a;
        double d = b - c;
        double e = s - c;
        err = (a - e) + d;
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double TwoDiff(double a, double b, out double err)
    {
        double s = a - b;
        double c = s - a;
        double d = b + c;
        double e = s - c;
        err = (a - e) - d;
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double TwoProd(double a, double b, out double err)
    {
        // SciPy builds with DD_FMS = fma(a, b, -p); the error term is exact either way.
        double p = a * b;
        err = Math.FusedMultiplyAdd(a, b, -p);
        return p;
    }

    // ---- additions ----

    public static DoubleDouble AddDD(double a, double b)
    {
        double s = TwoSum(a, b, out double e);
        return new DoubleDouble(s, e);
    }

    public static DoubleDouble Add(DoubleDouble a, double b)
    {
        double s1 = TwoSum(a.Hi, b, out double s2);
        s2 += a.Lo;
        s1 = QuickTwoSum(s1, s2, out s2);
        return new DoubleDouble(s1, s2);
    }

    public static DoubleDouble Add(DoubleDouble a, DoubleDouble b)
    {
        // dd_ieee_add (Briggs and Kahan).
        double s1 = TwoSum(a.Hi, b.Hi, out double s2);
        double t1 = TwoSum(a.Lo, b.Lo, out double t2);
        s2 += t1;
        s1 = QuickTwoSum(s1, s2, out s2);
        s2 += t2;
        s1 = QuickTwoSum(s1, s2, out s2);
        return new DoubleDouble(s1, s2);
    }

    // ---- subtractions ----

    public static DoubleDouble SubDD(double a, double b)
    {
        double s = TwoDiff(a, b, out double e);
        return new DoubleDouble(s, e);
    }

    public static DoubleDouble Sub(DoubleDouble a, DoubleDouble b) => Add(a, new DoubleDouble(-b.Hi, -b.Lo));

    public static DoubleDouble Sub(DoubleDouble a, double b)
    {
        double s1 = TwoSum(a.Hi, -b, out double s2);
        s2 += a.Lo;
        s1 = QuickTwoSum(s1, s2, out s2);
        return new DoubleDouble(s1, s2);
    }

    public static DoubleDouble Sub(double a, DoubleDouble b)
    {
        double s1 = TwoSum(a, -b.Hi, out double s2);
        s2 -= b.Lo;
        s1 = QuickTwoSum(s1, s2, out s2);
        return new DoubleDouble(s1, s2);
    }

    // ---- multiplications ----

    public static DoubleDouble MulDD(double a, double b)
    {
        double p = TwoProd(a, b, out double e);
        return new DoubleDouble(p, e);
    }

    public static DoubleDouble Mul(DoubleDouble a, DoubleDouble b)
    {
        double p1 = TwoProd(a.Hi, b.Hi, out double p2);
        p2 += (a.Hi * b.Lo) + (a.Lo * b.Hi);
        p1 = QuickTwoSum(p1, p2, out p2);
        return new DoubleDouble(p1, p2);
    }

    public static DoubleDouble Mul(DoubleDouble a, double b)
    {
        double p1 = TwoProd(a.Hi, b, out double e1);
        double p2 = TwoProd(a.Lo, b, out double e2);
        p1 = QuickTwoSum(p1, e2 + p2 + e1, out e1);
        return new DoubleDouble(p1, e1);
    }

    public static DoubleDouble Mul(double a, DoubleDouble b)
    {
        double p1 = TwoProd(a, b.Hi, out double e1);
        double p2 = TwoProd(a, b.Lo, out double e2);
        p1 = QuickTwoSum(p1, e2 + p2 + e1, out e1);
        return new DoubleDouble(p1, e1);
    }

    // ---- divisions (dd_accurate_div) ----

    public static DoubleDouble Div(DoubleDouble a, DoubleDouble b)
    {
        double q1 = a.Hi / b.Hi;
        DoubleDouble r = Sub(a, Mul(b, q1));
        double q2 = r.Hi / b.Hi;
        r = Sub(r, Mul(b, q2));
        double q3 = r.Hi / b.Hi;
        q1 = QuickTwoSum(q1, q2, out q2);
        return Add(new DoubleDouble(q1, q2), q3);
    }

    public static DoubleDouble DivDD(double a, double b) => Div(new DoubleDouble(a, 0.0), new DoubleDouble(b, 0.0));

    public static DoubleDouble Div(DoubleDouble a, double b) => Div(a, new DoubleDouble(b, 0.0));

    public static DoubleDouble Div(double a, DoubleDouble b) => Div(new DoubleDouble(a, 0.0), b);

    public static DoubleDouble Inv(DoubleDouble a) => Div(One, a);

    // ---- rounding and scaling ----

    public static DoubleDouble Floor(DoubleDouble a)
    {
        double hi = Math.Floor(a.Hi);
        double lo = 0.0;
        if (hi == a.Hi)
        {
            lo = Math.Floor(a.Lo);
            hi = QuickTwoSum(hi, lo, out lo);
        }

        return new DoubleDouble(hi, lo);
    }

    public static DoubleDouble Ldexp(DoubleDouble a, int exponent) =>
        new(Math.ScaleB(a.Hi, exponent), Math.ScaleB(a.Lo, exponent));

    /// <summary>dd_frexp: returns b with 0.5 &lt;= |b.Hi| &lt; 1 (or |b.Hi| == 1 with opposite-signed Lo).</summary>
    public static DoubleDouble Frexp(DoubleDouble a, out int exponent)
    {
        double man = NumericHelpers.Frexp(a.Hi, out exponent);
        double b1 = Math.ScaleB(a.Lo, -exponent);
        if (Math.Abs(man) == 0.5 && man * b1 < 0)
        {
            man *= 2;
            b1 *= 2;
            exponent -= 1;
        }

        return new DoubleDouble(man, b1);
    }
}
