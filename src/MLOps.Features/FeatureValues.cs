using System.Globalization;

namespace MLOps.Features;

/// <summary>Conversions between boxed values and a feature's declared <see cref="FeatureValueType"/>, shared by the stores.</summary>
public static class FeatureValues
{
    /// <summary>
    /// Converts a boxed scalar to <paramref name="type"/>'s CLR type: <see cref="int"/>, <see cref="long"/>,
    /// <see cref="float"/>, <see cref="double"/>, <see cref="bool"/> or <see cref="string"/>. Numbers widen or narrow
    /// with the invariant culture, as an online store must when a writer used another width than the schema.
    /// </summary>
    /// <param name="value">The value; <see langword="null"/> stays <see langword="null"/>.</param>
    /// <param name="type">The feature's declared type.</param>
    /// <returns>The converted value.</returns>
    /// <exception cref="FormatException">The value is a string that does not parse as <paramref name="type"/>.</exception>
    /// <exception cref="InvalidCastException">The value cannot be converted to <paramref name="type"/>.</exception>
    /// <exception cref="OverflowException">The value is outside <paramref name="type"/>'s range.</exception>
    public static object? Coerce(object? value, FeatureValueType type)
    {
        if (value is null)
        {
            return null;
        }

        return type switch
        {
            FeatureValueType.Int32 => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            FeatureValueType.Int64 => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            FeatureValueType.Float32 => Convert.ToSingle(value, CultureInfo.InvariantCulture),
            FeatureValueType.Float64 => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            FeatureValueType.Bool => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }
}
