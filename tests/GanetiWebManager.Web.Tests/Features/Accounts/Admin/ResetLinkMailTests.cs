using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using GanetiWebManager.Web.Features.Accounts;
using GanetiWebManager.Web.Features.Accounts.Admin;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Admin;

/// <summary>With a mail server, reset links go to the user and not to the admin's screen; a refused mail falls back to the screen.</summary>
public sealed class ResetLinkMailTests : IAsyncLifetime
{
    private readonly CapturingMailer _mailer = new();
    private AccountsWorld _world = null!;

    public async Task InitializeAsync()
    {
        _world = await AccountsWorld.CreateAsync("resetmail", configure: s => s.AddSingleton<IAccountMailer>(_mailer));
        await _world.CreateUserAsync("root", superuser: true);
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task IssueResetLinkAsync_MailConfiguredAndAddressKnown_MailsTheLinkAndDoesNotShowIt()
    {
        var user = await _world.CreateUserAsync("gina", email: "gina@example.org");

        var result = await _world.Get<UserAdminService>().IssueResetLinkAsync(await _world.SignInAsync("root"), user.Id, "https://portal.example.org/", default);

        result.Succeeded.ShouldBeTrue(result.Message);
        result.Value!.Url.ShouldBeNull("the admin never sees a link that was mailed");
        result.Value.MailedTo.ShouldBe("gina@example.org");
        var mail = _mailer.Sent.ShouldHaveSingleItem();
        mail.To.ShouldBe("gina@example.org");
        mail.Body.ShouldContain($"https://portal.example.org/account/reset?user={user.Id:D}&token=");
        (await _world.AuditAsync()).Single(a => a.Action == "user.password.reset-link").Reason.ShouldBe("link mailed to gina@example.org");
    }

    [Fact]
    public async Task IssueResetLinkAsync_MailServerRefuses_ShowsTheLinkInstead()
    {
        var user = await _world.CreateUserAsync("hank", email: "hank@example.org");
        _mailer.Fail = true;

        var result = await _world.Get<UserAdminService>().IssueResetLinkAsync(await _world.SignInAsync("root"), user.Id, "https://portal.example.org/", default);

        result.Value!.MailedTo.ShouldBeNull();
        result.Value.Url.ShouldStartWith("https://portal.example.org/account/reset?");
    }

    [Fact]
    public async Task IssueResetLinkAsync_NoAddress_ShowsTheLink()
    {
        var user = await _world.CreateUserAsync("ivan");

        var result = await _world.Get<UserAdminService>().IssueResetLinkAsync(await _world.SignInAsync("root"), user.Id, "https://portal.example.org", default);

        result.Value!.Url.ShouldNotBeNull();
        _mailer.Sent.ShouldBeEmpty();
    }

    [Fact]
    public void MailOptions_HostWithoutSender_IsInvalid()
    {
        var options = new MailOptions { Host = "smtp.example.org" };

        var results = new List<ValidationResult>();
        var none = new MailOptions();

        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true).ShouldBeFalse();
        results.ShouldContain(r => r.ErrorMessage!.Contains("Mail:From"));
        Validator.TryValidateObject(none, new ValidationContext(none), [], validateAllProperties: true).ShouldBeTrue("no mail server is a valid configuration");
    }

    private sealed class CapturingMailer : IAccountMailer
    {
        public List<(string To, string Subject, string Body)> Sent { get; } = [];

        public bool Fail { get; set; }

        public bool IsConfigured => true;

        public Task SendAsync(string to, string subject, string body, CancellationToken ct)
        {
            if (Fail)
            {
                throw new SmtpException("550 relay denied");
            }

            Sent.Add((to, subject, body));
            return Task.CompletedTask;
        }
    }
}
