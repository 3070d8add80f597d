using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// The id of a Ganeti job. RAPI answers job ids as JSON numbers; very old servers used numeric strings,
/// so both are accepted when reading.
/// </summary>
/// <param name="Value">The numeric job id.</param>
[JsonConverter(typeof(JobIdJsonConverter))]
public readonly record struct JobId(long Value) : IParsable<JobId>
{
    /// <summary>Returns the id as invariant digits, the form RAPI uses in paths.</summary>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a job id from its decimal digits.</summary>
    /// <exception cref="FormatException">The text is not a non-negative integer.</exception>
    public static JobId Parse(string s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"'{s}' is not a Ganeti job id.");

    /// <summary>Tries to parse a job id from its decimal digits.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out JobId result)
    {
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            result = new JobId(value);
            return true;
        }

        result = default;
        return false;
    }
}
