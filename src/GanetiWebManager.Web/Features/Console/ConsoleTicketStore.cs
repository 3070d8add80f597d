using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>What a ticket grants: one WebSocket connection by this user to this VM's console, at this target.</summary>
public sealed record ConsoleTicket(Guid UserId, long VmId, ConsoleTarget Target, DateTimeOffset ExpiresAt);

/// <summary>Why a ticket was not honoured (kept apart for the audit log; the browser sees one refusal).</summary>
public enum TicketRefusal
{
    None,
    Unknown,
    Expired,
    OtherVm,
    OtherUser,
}

/// <summary>
/// Console tickets (product-spec §10): 256 random bits, single use, valid for the first connect only within
/// <see cref="ConsoleOptions.TicketLifetime"/>, bound to a user and a VM. Kept in memory: a ticket lives
/// seconds, and the WebSocket that redeems it reaches the same portal process that issued it (a deployment
/// with several portal processes needs sticky sessions, as Blazor Server circuits do anyway).
/// </summary>
public sealed class ConsoleTicketStore(TimeProvider clock, IOptions<ConsoleOptions> options)
{
    private const int TicketBytes = 32;
    private readonly ConcurrentDictionary<string, ConsoleTicket> _tickets = new(StringComparer.Ordinal);

    public int Count => _tickets.Count;

    public string Issue(Guid userId, long vmId, ConsoleTarget target)
    {
        RemoveExpired();
        var ticket = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(TicketBytes));
        _tickets[ticket] = new ConsoleTicket(userId, vmId, target, clock.GetUtcNow() + options.Value.TicketLifetime);
        return ticket;
    }

    /// <summary>
    /// Takes the ticket out of the store whatever the outcome: a ticket presented once is spent, so one that
    /// leaked cannot be tried against other VMs or users.
    /// </summary>
    public TicketRefusal Redeem(string? ticket, Guid userId, long vmId, out ConsoleTicket? granted)
    {
        granted = null;
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 100 || !_tickets.TryRemove(ticket, out var stored))
        {
            return TicketRefusal.Unknown;
        }

        if (clock.GetUtcNow() >= stored.ExpiresAt)
        {
            return TicketRefusal.Expired;
        }

        if (stored.VmId != vmId)
        {
            return TicketRefusal.OtherVm;
        }

        if (stored.UserId != userId)
        {
            return TicketRefusal.OtherUser;
        }

        granted = stored;
        return TicketRefusal.None;
    }

    private void RemoveExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, value) in _tickets)
        {
            if (now >= value.ExpiresAt)
            {
                _tickets.TryRemove(key, out _);
            }
        }
    }
}
