using System.CommandLine.Parsing;
using System.Globalization;

namespace PromiseGrid.Cli.Gpt;

/// <summary>Custom parsers for the numeric options of the <c>gpt</c> commands, so a bad value is one clear usage error.</summary>
internal static class GptOptionParsers
{
    /// <summary>A whole number ≥ <paramref name="minimum"/>.</summary>
    public static int? Int(ArgumentResult result, string name, int minimum)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum)
            return value;
        result.AddError(minimum == 1
            ? $"{name} must be a positive whole number, got '{token}'"
            : $"{name} must be a whole number of at least {minimum}, got '{token}'");
        return null;
    }

    /// <summary>A finite number, &gt; 0 or (with <paramref name="zeroAllowed"/>) ≥ 0.</summary>
    public static double? Number(ArgumentResult result, string name, bool zeroAllowed = false)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            && (value > 0 || (zeroAllowed && value == 0)))
            return value;
        result.AddError($"{name} must be a {(zeroAllowed ? "number ≥ 0" : "positive number")}, got '{token}'");
        return null;
    }
}
