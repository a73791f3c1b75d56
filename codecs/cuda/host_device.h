// STRAIT_HOST_DEVICE: marks a function that nvcc compiles for the GPU and the host alike
// (`__host__ __device__`), and that a C++ compiler sees as an ordinary inline function. strait's
// CUDA kernels keep their per-thread work in such functions, so that tests run the very same code
// on the CPU, one loop iteration a GPU thread, on machines without a GPU (the kernels' indexing
// and arithmetic are then checked everywhere; what only a GPU run shows is the launch itself).
#pragma once

#ifdef __CUDACC__
#define STRAIT_HOST_DEVICE __host__ __device__
#else
#define STRAIT_HOST_DEVICE
#endif
