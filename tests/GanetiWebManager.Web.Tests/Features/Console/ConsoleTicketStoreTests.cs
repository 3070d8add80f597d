using GanetiWebManager.Testing;
using GanetiWebManager.Web.Features.Console;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Tests.Features.Console;

public sealed class ConsoleTicketStoreTests
{
    private static readonly ConsoleTarget Target = new(1, "127.0.0.1", 11000, "node1", "mirror");
    private readonly ManualTimeProvider _clock = new();
    private readonly ConsoleTicketStore _store;
    private readonly Guid _user = Guid.NewGuid();

    public ConsoleTicketStoreTests() => _store = new ConsoleTicketStore(_clock, Options.Create(new ConsoleOptions()));

    [Fact]
    public void Issue_CarriesAtLeast128RandomBitsAndNeverRepeats()
    {
        var tickets = Enumerable.Range(0, 1000).Select(_ => _store.Issue(_user, 1, Target)).ToList();

        tickets.Distinct().Count().ShouldBe(1000);
        tickets.ShouldAllBe(t => WebEncoders.Base64UrlDecode(t).Length * 8 >= 128);
    }

    [Fact]
    public void Redeem_Twice_SecondIsUnknown()
    {
        var ticket = _store.Issue(_user, 1, Target);

        _store.Redeem(ticket, _user, 1, out var granted).ShouldBe(TicketRefusal.None);
        granted.ShouldNotBeNull().Target.ShouldBe(Target);
        _store.Redeem(ticket, _user, 1, out _).ShouldBe(TicketRefusal.Unknown);
    }

    [Fact]
    public void Redeem_After30Seconds_Expired()
    {
        var ticket = _store.Issue(_user, 1, Target);
        _clock.Advance(TimeSpan.FromSeconds(29.9));
        var fresh = _store.Issue(_user, 1, Target);
        _clock.Advance(TimeSpan.FromSeconds(0.1));

        _store.Redeem(ticket, _user, 1, out _).ShouldBe(TicketRefusal.Expired);
        _store.Redeem(fresh, _user, 1, out _).ShouldBe(TicketRefusal.None);
    }

    [Fact]
    public void Redeem_OtherVmOrUser_RefusedAndSpent()
    {
        var forVm1 = _store.Issue(_user, 1, Target);
        var forUser = _store.Issue(_user, 1, Target);

        _store.Redeem(forVm1, _user, 2, out _).ShouldBe(TicketRefusal.OtherVm);
        _store.Redeem(forVm1, _user, 1, out _).ShouldBe(TicketRefusal.Unknown);
        _store.Redeem(forUser, Guid.NewGuid(), 1, out _).ShouldBe(TicketRefusal.OtherUser);
        _store.Redeem(forUser, _user, 1, out _).ShouldBe(TicketRefusal.Unknown);
    }

    [Fact]
    public void Issue_DropsExpiredTickets()
    {
        for (var i = 0; i < 50; i++)
        {
            _store.Issue(_user, 1, Target);
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        _store.Issue(_user, 1, Target);

        _store.Count.ShouldBe(1);
    }
}
