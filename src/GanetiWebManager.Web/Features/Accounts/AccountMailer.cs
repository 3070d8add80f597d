using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>Sends the portal's account mails (reset links), when a mail server is configured.</summary>
public interface IAccountMailer
{
    bool IsConfigured { get; }

    /// <summary>Sends a plain-text mail; throws <see cref="SmtpException"/> when the server refuses it.</summary>
    Task SendAsync(string to, string subject, string body, CancellationToken ct);
}

internal sealed class SmtpAccountMailer(IOptions<MailOptions> options) : IAccountMailer
{
    public bool IsConfigured => options.Value.IsConfigured;

    public async Task SendAsync(string to, string subject, string body, CancellationToken ct)
    {
        var settings = options.Value;
        if (!settings.IsConfigured)
        {
            throw new InvalidOperationException("No mail server is configured (Mail:Host).");
        }

        using var client = new SmtpClient(settings.Host, settings.Port) { EnableSsl = settings.EnableSsl };
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            client.Credentials = new NetworkCredential(settings.UserName, settings.Password);
        }

        using var message = new MailMessage(settings.From!, to, subject, body);
        await client.SendMailAsync(message, ct);
    }
}
