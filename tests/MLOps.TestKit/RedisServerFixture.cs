using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace MLOps.TestKit;

/// <summary>
/// Starts a real <c>redis-server</c> on a free loopback port in a temp folder, and stops it afterwards.
/// </summary>
/// <remarks>
/// The binary is <c>$MLOPS_REDIS_SERVER</c> when set, else <c>redis-server</c> on PATH. When it is missing the
/// fixture does not fail the class: <see cref="SkipIfUnavailable"/> skips each test with <see cref="SkipReason"/>,
/// which the test output and <c>.ci/run</c> print. CI installs the binary, so there the tests always run.
/// Persistence is off (<c>--save "" --appendonly no</c>); the server lives as a child of the test process.
/// </remarks>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public const string BinaryVariable = "MLOPS_REDIS_SERVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string? _binary;
    private TempDirectory? _directory;
    private Process? _process;

    public RedisServerFixture()
        : this(Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } configured ? configured : "redis-server")
    {
    }

    /// <summary>A fixture for a given binary (a path, or a name looked up on PATH).</summary>
    public static RedisServerFixture ForBinary(string binary) => new(binary);

    // xunit requires a class fixture to have a single public constructor.
    private RedisServerFixture(string binary)
    {
        BinaryRequested = binary;
        _binary = ProcessRunner.FindOnPath(binary);
        if (_binary is null)
        {
            SkipReason = $"SKIPPED: redis-server not found ('{binary}' is not a file{(Path.IsPathRooted(binary) ? "" : " on PATH")}). " +
                         $"Install it (apt-get install -y redis-server) or set {BinaryVariable} to its path; .ci/run installs it.";
        }
    }

    /// <summary>The binary name or path asked for.</summary>
    public string BinaryRequested { get; }

    public bool IsAvailable => _process is not null && SkipReason is null;

    /// <summary>Why the tests that need Redis are skipped, or <see langword="null"/> when the server runs.</summary>
    public string? SkipReason { get; private set; }

    public int Port { get; private set; }

    /// <summary>The server's address for StackExchange.Redis, e.g. <c>127.0.0.1:6390</c>.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The server version from <c>INFO server</c>.</summary>
    public string? Version { get; private set; }

    /// <summary>Skips the calling test, loudly, when no server runs.</summary>
    public void SkipIfUnavailable()
    {
        if (!IsAvailable)
        {
            var reason = SkipReason ?? "SKIPPED: redis-server did not start.";
            TestContext.Current.SendDiagnosticMessage("{0}: {1}", TestContext.Current.Test?.TestDisplayName ?? "test", reason);
            Assert.Skip(reason);
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (_binary is null)
        {
            await Console.Error.WriteLineAsync(SkipReason);
            return;
        }

        _directory = new TempDirectory("mlops-redis-");
        Exception? last = null;
        for (var attempt = 0; attempt < 3 && _process is null; attempt++)
        {
            try
            {
                await StartAsync();
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
            {
                last = ex; // most likely the free port was taken in between: try another
                StopProcess();
            }
        }

        if (_process is null)
        {
            SkipReason = $"SKIPPED: redis-server at '{_binary}' did not start: {last?.Message}";
            await Console.Error.WriteLineAsync(SkipReason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory?.Dispose();
    }

    /// <summary>Stops the server (<c>SHUTDOWN NOSAVE</c>, then a kill if needed) and waits until it has exited; the port is kept for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            try
            {
                await SendAsync("SHUTDOWN NOSAVE\r\n", expectReply: false);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(cts.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
            }
        }

        StopProcess();
    }

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/> (data is gone: persistence is off).</summary>
    public async Task RestartAsync()
    {
        if (_binary is null || _directory is null)
        {
            throw new InvalidOperationException("The fixture never started a server: " + SkipReason);
        }

        StopProcess();
        await StartAsync(Port);
    }

    /// <summary>Sends one inline command and returns the raw reply (for fixture tests; real tests use a client).</summary>
    public async Task<string> SendAsync(string command, bool expectReply = true)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command.EndsWith("\r\n", StringComparison.Ordinal) ? command : command + "\r\n"));
        if (!expectReply)
        {
            return "";
        }

        var buffer = new byte[64 * 1024];
        var reply = new StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        do
        {
            var read = await stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                break;
            }

            reply.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        while (!IsCompleteReply(reply.ToString()));

        return reply.ToString();
    }

    private async Task StartAsync(int port = 0)
    {
        Port = port == 0 ? FreeLoopbackPort() : port;
        var info = new ProcessStartInfo(_binary!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory!.Path,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", _directory.Path, "--daemonize", "no", "--protected-mode", "yes",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"redis-server exited before it was ready: {log}"));
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await ready.Task.WaitAsync(StartTimeout);
        var pong = await SendAsync("PING");
        if (!pong.StartsWith("+PONG", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-server answered PING with '{pong.Trim()}'.");
        }

        var infoReply = await SendAsync("INFO server");
        Version = infoReply.Split("\r\n").FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?["redis_version:".Length..];
    }

    private void StopProcess()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _process = null;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsCompleteReply(string reply)
    {
        if (reply.Length == 0 || !reply.EndsWith("\r\n", StringComparison.Ordinal))
        {
            return false;
        }

        if (reply[0] != '$')
        {
            return true;
        }

        var header = reply.IndexOf("\r\n", StringComparison.Ordinal);
        var length = int.Parse(reply.AsSpan(1, header - 1), System.Globalization.CultureInfo.InvariantCulture);
        return length < 0 || Encoding.UTF8.GetByteCount(reply) >= header + 2 + length + 2;
    }
}
