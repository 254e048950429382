using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// A TCP relay in front of the real PostgreSQL that a test can cut and restore: to the portal it is the database
/// going away and coming back, as the network sees it, without stopping the server other test classes share.
/// </summary>
public sealed class CuttableRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly ConcurrentDictionary<Socket, bool> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _cut;

    public CuttableRelay(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every open connection with a reset and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (var socket in _open.Keys)
        {
            Drop(socket);
        }
    }

    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_cut)
            {
                Drop(client);
                return;
            }

            await server.ConnectAsync(IPAddress.Loopback, _target);
            _open[client] = true;
            _open[server] = true;
            await using var fromClient = new NetworkStream(client);
            await using var fromServer = new NetworkStream(server);
            await Task.WhenAny(fromClient.CopyToAsync(fromServer), fromServer.CopyToAsync(fromClient));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // A cut connection ends here; the portal sees its side break.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(server, out _);
            Drop(client);
        }
    }

    private static void Drop(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
