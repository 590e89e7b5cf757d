using System.Net;
using System.Net.Sockets;

namespace ML.FastCnn.Shared;

/// <summary>A TCP port free on 127.0.0.1 right now (for the serving benchmark and the serving tests; test/Shared is compiled into both).</summary>
internal static class LoopbackPort
{
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
