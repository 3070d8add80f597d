using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace GanetiWebManager.Benchmarks;

/// <summary>
/// An experiment, not the portal: Kestrel's transport with 64 KiB pinned blocks instead of its 4 KiB ones, so that
/// one receive can take a whole WebSocket frame (<c>--console-soak relay-64k</c>). Tests whether the relay's cost in
/// the browser-to-server direction is Kestrel's read granularity.
/// </summary>
internal sealed class LargeBlockPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockPool();

    private sealed class LargeBlockPool : MemoryPool<byte>
    {
        private const int BlockSize = 64 * 1024;
        private readonly ConcurrentBag<byte[]> _free = [];

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
            new Block(this, _free.TryTake(out var array) ? array : GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(LargeBlockPool pool, byte[] array) : IMemoryOwner<byte>
        {
            private byte[]? _array = array;

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _array, null) is { } returned)
                {
                    pool._free.Add(returned);
                }
            }
        }
    }
}
