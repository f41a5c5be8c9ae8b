# A model whose depth changes every forward pass and that reuses one parameter several times.
import math
import random

import torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # zeros: the trajectory is then the same on any framework, up to rounding
        self.a = torch.nn.Parameter(torch.zeros(()))
        self.b = torch.nn.Parameter(torch.zeros(()))
        self.c = torch.nn.Parameter(torch.zeros(()))
        self.d = torch.nn.Parameter(torch.zeros(()))
        self.e = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


random.seed(0)
torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(4000):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# evaluate the deterministic cubic-plus-x^4 part for a comparable final number
with torch.no_grad():
    y_eval = model.a + model.b * x + model.c * x ** 2 + model.d * x ** 3 + model.e * x ** 4
    final = criterion(y_eval, y)
print(f"FINAL_LOSS {final.item()}")
