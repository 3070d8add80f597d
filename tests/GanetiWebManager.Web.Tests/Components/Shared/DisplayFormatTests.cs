using GanetiWebManager.Web.Components.Shared;

namespace GanetiWebManager.Web.Tests.Components.Shared;

public sealed class DisplayFormatTests
{
    [Theory]
    [InlineData(null, "—")]
    [InlineData(0L, "0 MiB")]
    [InlineData(512L, "512 MiB")]
    [InlineData(1024L, "1 GiB")]
    [InlineData(1536L, "1.5 GiB")]
    [InlineData(102400L, "100 GiB")]
    [InlineData(1048576L, "1 TiB")]
    [InlineData(1288490L, "1.2 TiB")]
    public void Mebibytes_UsesBinaryUnits(long? mib, string expected) => DisplayFormat.Mebibytes(mib).ShouldBe(expected);

    [Theory]
    [InlineData(null, "never")]
    [InlineData(12.0, "12 s")]
    [InlineData(300.0, "5 min")]
    [InlineData(3600.0, "1 h")]
    [InlineData(11400.0, "3 h 10 min")]
    [InlineData(90000.0, "1 day")]
    [InlineData(400000.0, "4 days")]
    [InlineData(-5.0, "0 s")]
    public void Age_ReadsLikeSpeech(double? seconds, string expected) =>
        DisplayFormat.Age(seconds is { } s ? TimeSpan.FromSeconds(s) : null).ShouldBe(expected);

    [Theory]
    [InlineData(0.35, "350 ms")]
    [InlineData(4.2, "4.2 s")]
    [InlineData(125.0, "2 min 5 s")]
    [InlineData(3900.0, "1 h 5 min")]
    public void Duration_ReadsLikeSpeech(double seconds, string expected) =>
        DisplayFormat.Duration(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);

    [Fact]
    public void Timestamp_IsUtc() =>
        DisplayFormat.Timestamp(new DateTimeOffset(2026, 11, 21, 13, 0, 5, TimeSpan.FromHours(1))).ShouldBe("2026-11-21 12:00:05 UTC");

    [Theory]
    [InlineData(50L, 200L, "25 %")]
    [InlineData(300L, 200L, "150 %")]
    [InlineData(5L, 0L, "—")]
    public void Percent_OfTotal(long used, long total, string expected) => DisplayFormat.Percent(used, total).ShouldBe(expected);
}
