using System.Globalization;

namespace GanetiWebManager.Web.Components.Shared;

/// <summary>How quantities and times read on every page: one place, so that tables and bars agree.</summary>
public static class DisplayFormat
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>Binary units, as Ganeti's own tools print them (512 MiB, 1.5 GiB, 2 TiB).</summary>
    public static string Mebibytes(long? mib)
    {
        if (mib is not { } value)
        {
            return "—";
        }

        double amount = value;
        string[] units = ["MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        while (Math.Abs(amount) >= 1024 && unit < units.Length - 1)
        {
            amount /= 1024;
            unit++;
        }

        var format = unit == 0 || amount >= 100 || amount == Math.Floor(amount) ? "0" : "0.#";
        return amount.ToString(format, Culture) + " " + units[unit];
    }

    public static string Count(long? value) => value?.ToString("#,0", Culture) ?? "—";

    /// <summary>"12 s", "5 min", "3 h 10 min", "4 days": how old mirrored data is.</summary>
    public static string Age(TimeSpan? age)
    {
        if (age is not { } span)
        {
            return "never";
        }

        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 60 ? $"{(int)span.TotalSeconds} s"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min"
            : span.TotalHours < 24 ? (span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min")
            : (int)span.TotalDays == 1 ? "1 day" : $"{(int)span.TotalDays} days";
    }

    /// <summary>A job step's length: "350 ms", "4.2 s", "2 min 5 s".</summary>
    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } span)
        {
            return "—";
        }

        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 1 ? $"{(int)span.TotalMilliseconds} ms"
            : span.TotalSeconds < 60 ? span.TotalSeconds.ToString("0.#", Culture) + " s"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
            : $"{(int)span.TotalHours} h {span.Minutes} min";
    }

    /// <summary>Times are shown in UTC: the portal's users and its clusters rarely share a time zone.</summary>
    public static string Timestamp(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Culture) + " UTC" : "—";

    /// <summary>Ganeti's ctime/mtime are float epoch seconds.</summary>
    public static string EpochSeconds(double? seconds) =>
        seconds is { } s && double.IsFinite(s) ? Timestamp(DateTimeOffset.UnixEpoch.AddSeconds(s)) : "—";

    public static string Percent(long used, long total) =>
        total <= 0 ? "—" : ((double)used / total * 100).ToString("0", Culture) + " %";
}
