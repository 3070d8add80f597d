using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>How reservations are settled (section <c>Quotas</c>).</summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    /// <summary>How often held reservations are checked even when nothing signalled a change (catches what happened while the portal was down).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After a job succeeded, how long a reservation waits for the mirror to show the change before it is settled
    /// anyway (by then several syncs have run: if the VM differs, someone else changed it since).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SettleGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A reservation that has no job intent after this long was left by a crash before the submission: released.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IntentTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Settled and released reservations are kept this long for the record, then deleted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Whether the background settler runs (tests drive <see cref="QuotaSettler.SettleAsync"/> themselves).</summary>
    public bool SettlerEnabled { get; set; } = true;
}
