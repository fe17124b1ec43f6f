using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MLOps.Drift.Tests;

/// <summary>
/// Loads Reference/reference.json (written by Reference/make_reference.py with SciPy 1.10) and rebuilds each
/// dataset from its spec with the same SplitMix64 generator and IEEE operations as the script.
/// </summary>
internal static class ReferenceData
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "reference.json"))));

    /// <summary>Python's <c>math.nan</c> bit pattern (0x7FF8…), which differs from .NET's <see cref="double.NaN"/> (0xFFF8…).</summary>
    private static readonly double PythonNaN = BitConverter.Int64BitsToDouble(0x7FF8000000000000L);

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement Dataset(string name) => Root.GetProperty("datasets").GetProperty(name);

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static double Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException(s),
        },
        _ => throw new FormatException(e.ToString()),
    };

    /// <summary>Rebuilds a numeric dataset side and checks its FNV-1a hash against the script's.</summary>
    public static double[] Numeric(JsonElement spec, string expectedHash)
    {
        double[] values = [.. GenerateNumeric(spec)];
        string hash = HashDoubles(values);
        if (hash != expectedHash)
        {
            throw new InvalidOperationException($"Generated data hash {hash} != reference {expectedHash}: the generator drifted from make_reference.py.");
        }

        return values;
    }

    public static string?[] Text(JsonElement spec, string expectedHash)
    {
        string?[] values = [.. GenerateText(spec)];
        string hash = HashText(values);
        if (hash != expectedHash)
        {
            throw new InvalidOperationException($"Generated data hash {hash} != reference {expectedHash}: the generator drifted from make_reference.py.");
        }

        return values;
    }

    public static double[] Clean(double[] raw) => [.. raw.Where(double.IsFinite)];

    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            _state += 0x9E3779B97F4A7C15UL;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double Uniform() => (Next() >> 11) * Math.ScaleB(1.0, -53);

        public double UniformOpen() => (((Next() >> 12) * 2) + 1) * Math.ScaleB(1.0, -53);
    }

    private static List<double> GenerateNumeric(JsonElement spec)
    {
        string kind = spec.GetProperty("kind").GetString()!;
        var output = new List<double>();
        switch (kind)
        {
            case "values":
                foreach (JsonElement v in spec.GetProperty("values").EnumerateArray())
                {
                    output.Add(v.GetDouble());
                }

                return output;
            case "repeat":
                {
                    JsonElement[] values = [.. spec.GetProperty("values").EnumerateArray()];
                    JsonElement[] counts = [.. spec.GetProperty("counts").EnumerateArray()];
                    for (int i = 0; i < values.Length; i++)
                    {
                        output.AddRange(Enumerable.Repeat(values[i].GetDouble(), counts[i].GetInt32()));
                    }

                    return output;
                }

            case "concat":
                foreach (JsonElement part in spec.GetProperty("parts").EnumerateArray())
                {
                    output.AddRange(GenerateNumeric(part));
                }

                return output;
        }

        var rng = new SplitMix64(spec.GetProperty("seed").GetUInt64());
        int n = spec.GetProperty("n").GetInt32();
        double loc = spec.TryGetProperty("loc", out JsonElement l) ? l.GetDouble() : 0.0;
        double scale = spec.TryGetProperty("scale", out JsonElement s) ? s.GetDouble() : 1.0;
        for (int i = 0; i < n; i++)
        {
            double x;
            switch (kind)
            {
                case "uniform":
                    x = loc + (scale * rng.Uniform());
                    break;
                case "normal":
                    {
                        double sum = 0.0;
                        for (int k = 0; k < 12; k++)
                        {
                            sum += rng.Uniform();
                        }

                        x = loc + (scale * (sum - 6.0));
                        break;
                    }

                case "heavy":
                    {
                        double u1 = rng.Uniform();
                        double u2 = rng.UniformOpen();
                        x = loc + (scale * (u1 - 0.5) / u2);
                        break;
                    }

                case "discrete":
                    x = loc + Math.Floor(rng.Uniform() * spec.GetProperty("k").GetInt32());
                    break;
                case "constant":
                    x = loc;
                    break;
                default:
                    throw new FormatException(kind);
            }

            if (spec.TryGetProperty("round", out JsonElement r))
            {
                double f = Math.Pow(10.0, r.GetInt32());
                x = Math.Floor((x * f) + 0.5) / f;
            }

            output.Add(x);
        }

        if (spec.TryGetProperty("nan_every", out JsonElement nanEvery))
        {
            for (int i = 0; i < n; i += nanEvery.GetInt32())
            {
                output[i] = PythonNaN;
            }
        }

        if (spec.TryGetProperty("inf_every", out JsonElement infEvery))
        {
            int k = infEvery.GetInt32();
            for (int i = 1; i < n; i += k)
            {
                output[i] = (i / k) % 2 == 0 ? double.PositiveInfinity : double.NegativeInfinity;
            }
        }

        return output;
    }

    private static List<string?> GenerateText(JsonElement spec)
    {
        string kind = spec.GetProperty("kind").GetString()!;
        var output = new List<string?>();
        switch (kind)
        {
            case "values":
                foreach (JsonElement v in spec.GetProperty("values").EnumerateArray())
                {
                    output.Add(v.GetString());
                }

                return output;
            case "repeat":
                {
                    JsonElement[] values = [.. spec.GetProperty("values").EnumerateArray()];
                    JsonElement[] counts = [.. spec.GetProperty("counts").EnumerateArray()];
                    for (int i = 0; i < values.Length; i++)
                    {
                        output.AddRange(Enumerable.Repeat(values[i].GetString(), counts[i].GetInt32()));
                    }

                    return output;
                }

            case "cat":
                {
                    var rng = new SplitMix64(spec.GetProperty("seed").GetUInt64());
                    double[] weights = [.. spec.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble())];
                    double total = 0.0;
                    foreach (double w in weights)
                    {
                        total += w;
                    }

                    double[] cum = new double[weights.Length];
                    double acc = 0.0;
                    for (int i = 0; i < weights.Length; i++)
                    {
                        acc += weights[i] / total;
                        cum[i] = acc;
                    }

                    int nullEvery = spec.TryGetProperty("null_every", out JsonElement ne) ? ne.GetInt32() : 0;
                    string prefix = spec.TryGetProperty("prefix", out JsonElement p) ? p.GetString()! : "c";
                    int n = spec.GetProperty("n").GetInt32();
                    for (int i = 0; i < n; i++)
                    {
                        double u = rng.Uniform();
                        int idx = weights.Length - 1;
                        for (int k = 0; k < cum.Length; k++)
                        {
                            if (u < cum[k])
                            {
                                idx = k;
                                break;
                            }
                        }

                        output.Add(nullEvery > 0 && output.Count % nullEvery == 0 ? null : prefix + idx.ToString(CultureInfo.InvariantCulture));
                    }

                    return output;
                }

            default:
                throw new FormatException(kind);
        }
    }

    private static string HashDoubles(IEnumerable<double> values)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (double v in values)
        {
            h = (h ^ (ulong)BitConverter.DoubleToInt64Bits(v)) * 0x100000001B3UL;
        }

        return h.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static string HashText(IEnumerable<string?> values)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (string? v in values)
        {
            byte[] data = v is null ? [0xFF] : [.. Encoding.UTF8.GetBytes(v), 0];
            foreach (byte b in data)
            {
                h = (h ^ b) * 0x100000001B3UL;
            }
        }

        return h.ToString("x16", CultureInfo.InvariantCulture);
    }
}
