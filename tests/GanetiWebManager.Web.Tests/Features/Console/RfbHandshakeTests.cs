using System.Text;
using GanetiWebManager.Web.Features.Console;

namespace GanetiWebManager.Web.Tests.Features.Console;

/// <summary>The relay's side of the server handshake against scripted servers of each RFB version.</summary>
public sealed class RfbHandshakeTests
{
    [Fact]
    public async Task AuthenticateToServer_Rfb33WithVncAuthentication_AnswersTheChallenge()
    {
        var challenge = Enumerable.Range(0, 16).Select(i => (byte)(i * 7)).ToArray();
        var server = new ScriptedServer(
            [.. "RFB 003.003\n"u8, 0, 0, 0, 2, .. challenge, 0, 0, 0, 0]);

        await RfbHandshake.AuthenticateToServerAsync(server, "secret", CancellationToken.None);

        server.Written.ShouldBe([.. "RFB 003.003\n"u8, .. VncDes.RespondToChallenge(challenge, "secret")]);
    }

    [Fact]
    public async Task AuthenticateToServer_Rfb38OffersNoneAndVnc_PrefersNone()
    {
        var server = new ScriptedServer([.. "RFB 003.008\n"u8, 2, 2, 1, 0, 0, 0, 0]);

        await RfbHandshake.AuthenticateToServerAsync(server, "unused", CancellationToken.None);

        server.Written.ShouldBe([.. "RFB 003.008\n"u8, 1]);
    }

    [Fact]
    public async Task AuthenticateToServer_PasswordNeededButNoneSet_SaysWhereToSetIt()
    {
        var server = new ScriptedServer([.. "RFB 003.008\n"u8, 1, 2, .. new byte[16]]);

        var error = await Should.ThrowAsync<RfbHandshakeException>(() => RfbHandshake.AuthenticateToServerAsync(server, null, CancellationToken.None));

        error.Message.ShouldContain("cluster's settings");
    }

    [Fact]
    public async Task AuthenticateToServer_Rfb38WrongPassword_ReportsTheServersReason()
    {
        var reason = "Authentication failure"u8.ToArray();
        var server = new ScriptedServer([.. "RFB 003.008\n"u8, 1, 2, .. new byte[16], 0, 0, 0, 1, 0, 0, 0, (byte)reason.Length, .. reason]);

        var error = await Should.ThrowAsync<RfbHandshakeException>(() => RfbHandshake.AuthenticateToServerAsync(server, "wrong", CancellationToken.None));

        error.Message.ShouldContain("did not accept the cluster's VNC password (Authentication failure)");
    }

    [Fact]
    public async Task AuthenticateToServer_ServerRefusesWithReason_ReportsIt()
    {
        var reason = "Too many security failures"u8.ToArray();
        var server = new ScriptedServer([.. "RFB 003.008\n"u8, 0, 0, 0, 0, (byte)reason.Length, .. reason]);

        var error = await Should.ThrowAsync<RfbHandshakeException>(() => RfbHandshake.AuthenticateToServerAsync(server, null, CancellationToken.None));

        error.Message.ShouldContain("Too many security failures");
    }

    [Fact]
    public async Task AuthenticateToServer_NotVnc_SaysSo()
    {
        var server = new ScriptedServer([.. "HTTP/1.1 400 "u8]);

        var error = await Should.ThrowAsync<RfbHandshakeException>(() => RfbHandshake.AuthenticateToServerAsync(server, null, CancellationToken.None));

        error.Message.ShouldContain("did not answer like a VNC server");
    }

    [Theory]
    [InlineData("RFB 003.008\n", 8)]
    [InlineData("RFB 003.889\n", 889)]
    [InlineData("RFB 004.001\n", null)]
    [InlineData("RFB 003.00x\n", null)]
    public void ParseVersion_Greetings(string greeting, int? minor) =>
        RfbHandshake.ParseVersion(Encoding.ASCII.GetBytes(greeting)).ShouldBe(minor);

    /// <summary>A server that answers from a fixed script and records what the relay wrote.</summary>
    private sealed class ScriptedServer(byte[] script) : Stream
    {
        private readonly MemoryStream _script = new(script);
        private readonly MemoryStream _written = new();

        public byte[] Written => _written.ToArray();

        public override int Read(byte[] buffer, int offset, int count) => _script.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
