namespace GanetiWebManager.Rapi.Models;

/// <summary>Conversions for Ganeti's time formats.</summary>
public static class RapiTime
{
    /// <summary>Converts float epoch seconds (<c>ctime</c>, <c>mtime</c>) to a UTC time, keeping microseconds.</summary>
    public static DateTimeOffset? FromEpochSeconds(double? seconds) =>
        seconds is { } s && double.IsFinite(s)
            ? DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(s * TimeSpan.TicksPerSecond))
            : null;

    /// <summary>Converts a <c>[seconds, microseconds]</c> pair (job timestamps) to a UTC time.</summary>
    public static DateTimeOffset FromSecondsAndMicroseconds(long seconds, long microseconds) =>
        DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(microseconds * TimeSpan.TicksPerMicrosecond);
}
