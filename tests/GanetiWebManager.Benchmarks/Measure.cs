using System.Diagnostics;
using System.Globalization;

namespace GanetiWebManager.Benchmarks;

internal static class Measure
{
    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var rank = percentile / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    /// <summary>
    /// Resets the kernel's record of this process's peak resident memory (VmHWM), so the next reading is the
    /// peak of what runs from now on (Linux: writing 5 to /proc/self/clear_refs).
    /// </summary>
    public static void ResetPeakMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    /// <summary>Peak and current resident memory of this process in MiB (VmHWM, VmRSS).</summary>
    public static (double PeakMiB, double CurrentMiB) Memory()
    {
        double Read(string key) => File.ReadLines("/proc/self/status")
            .Where(l => l.StartsWith(key + ":", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024)
            .Single();
        return (Read("VmHWM"), Read("VmRSS"));
    }
}
