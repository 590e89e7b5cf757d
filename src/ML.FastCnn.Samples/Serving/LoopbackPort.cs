using System.Net;
using System.Net.Sockets;

namespace ML.FastCnn.Samples;

/// <summary>A TCP port free on 127.0.0.1 right now (for <c>bench serve</c> and the serving tests, which link this file).</summary>
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
