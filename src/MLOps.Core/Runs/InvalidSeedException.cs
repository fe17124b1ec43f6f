namespace MLOps.Runs;

/// <summary>Thrown when the <c>MLOPS_SEED</c> environment variable is set to something that is not a 32-bit whole number.</summary>
/// <remarks>Not transient: the variable has to be fixed or unset.</remarks>
public sealed class InvalidSeedException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="variableName">The environment variable.</param>
    /// <param name="value">Its value.</param>
    public InvalidSeedException(string variableName, string value)
        : base($"The environment variable {variableName} is '{value}', which is not a whole number from -2147483648 to 2147483647. Set it to such a number, or unset it to use the seed in code.", isTransient: false)
    {
        VariableName = variableName;
        Value = value;
    }

    /// <summary>Gets the name of the environment variable.</summary>
    public string VariableName { get; }

    /// <summary>Gets the value that could not be read as a seed.</summary>
    public string Value { get; }
}
