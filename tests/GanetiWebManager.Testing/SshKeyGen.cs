using System.Diagnostics;

namespace GanetiWebManager.Testing;

/// <summary>Real keys from OpenSSH's ssh-keygen, made at test time (no private key is ever committed).</summary>
public static class SshKeyGen
{
    /// <summary>A new key pair; returns the public key line and the fingerprint ssh-keygen reports for it.</summary>
    public static async Task<(string PublicKey, string Fingerprint, int Bits)> GenerateAsync(string type, int? bits = null, string comment = "test@gwm")
    {
        var directory = Directory.CreateTempSubdirectory("gwm-sshkey-");
        try
        {
            var file = Path.Combine(directory.FullName, "key");
            List<string> args = ["-q", "-t", type, "-N", "", "-C", comment, "-f", file];
            if (bits is { } b)
            {
                args.AddRange(["-b", b.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            await RunAsync(args);
            var publicKey = (await File.ReadAllTextAsync(file + ".pub")).Trim();
            // "256 SHA256:abc... comment (ED25519)"
            var listing = (await RunAsync(["-l", "-E", "sha256", "-f", file + ".pub"])).Trim().Split(' ');
            return (publicKey, listing[1], int.Parse(listing[0], System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> RunAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ssh-keygen did not start (apt-get install openssh-client).");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"ssh-keygen failed: {error}");
    }
}
