using System.Security.Claims;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>What the console page gets when it asks to connect: a relay address with a fresh ticket, or why not.</summary>
public sealed record ConsoleGrant(string? RelayPath, string? Problem)
{
    public bool Granted => RelayPath is not null;
}

/// <summary>Issues console tickets to the console page after checking the user's power permission on the VM.</summary>
public sealed class ConsoleService(
    ConsoleAccessCheck access,
    ConsoleTargetResolver resolver,
    ConsoleTicketStore tickets,
    ConsoleAudit audit)
{
    public async Task<ConsoleGrant> OpenAsync(ClaimsPrincipal user, long vmId, CancellationToken ct)
    {
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return new ConsoleGrant(null, "Sign in to open a console.");
        }

        var decision = await access.CheckAsync(user, vmId, ct);
        if (!decision.Allowed)
        {
            await audit.RefusedAsync(user, vmId, decision.Refusal ?? "refused", ct);
            return new ConsoleGrant(null, decision.VmStopped ? "The virtual machine is not running, so it has no console. Start it first." : decision.Refusal);
        }

        var target = await resolver.ResolveAsync(vmId, ct);
        if (target.Target is null)
        {
            return new ConsoleGrant(null, target.Problem);
        }

        var ticket = tickets.Issue(userId, vmId, target.Target);
        return new ConsoleGrant($"{ConsoleRelayEndpoint.PathFor(vmId)}?ticket={Uri.EscapeDataString(ticket)}", null);
    }
}
