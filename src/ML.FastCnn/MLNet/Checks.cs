using Microsoft.ML.Runtime;

namespace ML.FastCnn;

/// <summary>ML.NET's user-argument checks (internal to ML.NET): an <see cref="ArgumentOutOfRangeException"/> naming the option.</summary>
internal static class Checks
{
    /// <summary>Throws when <paramref name="condition"/> is false; <paramref name="message"/> states the rule and the value.</summary>
    public static void UserArg(bool condition, string name, string message) => Contracts.CheckUserArg(condition, name, message);
}
