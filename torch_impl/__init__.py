"""PyTorch layer (DESIGN.md): the VAE whose loss terms are validated against the verified closed
forms. The only package that imports torch. Contents arrive with issue #5."""
