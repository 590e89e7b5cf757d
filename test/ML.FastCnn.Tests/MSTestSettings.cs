global using Microsoft.VisualStudio.TestTools.UnitTesting;

// Tests train networks that use both cores; running them one at a time keeps timings sane.
[assembly: DoNotParallelize]
